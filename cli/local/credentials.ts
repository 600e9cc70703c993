// The fixed, meaningless credentials every client of the local cloud signs with.
export const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDLOCALBASICAUTH',
  AWS_SECRET_ACCESS_KEY: 'local-basicauth-not-secret',
};
/** The same, in the shape SDK clients and our signer take. */
export const LOCAL_SIGNING = {
  accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};
