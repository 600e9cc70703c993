// A statement that lets a principal use the secret's KMS key only through
// Secrets Manager in the secret's home region, and only for this secret
// (its ARN is the encryption context Secrets Manager uses).

export function secretKeyStatement(
  sid: string,
  actions: string[],
  kmsKeyId: string,
  homeRegion: string,
  secretArn: string,
) {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: kmsKeyId,
    Condition: {
      StringEquals: { 'kms:ViaService': `secretsmanager.${homeRegion}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
    },
  };
}
