/** CloudFront's quota on a function's code: 10 KB ("Quotas on CloudFront Functions": maximum function size). */
export const FUNCTION_CODE_LIMIT = 10 * 1024;
