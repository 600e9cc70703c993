/** A handler zip as the synthesized configuration refers to it. */
export interface Asset {
  /** path relative to the stack directory, e.g. ${path.module}/assets/edge-auth.zip */
  path: string;
  /** base64 SHA-256 of the zip (Terraform's filebase64sha256) */
  sha256: string;
}
