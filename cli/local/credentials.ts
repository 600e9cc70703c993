// The fixed, meaningless credentials every client of the local cloud signs with.
export const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDLOCALBASICAUTH', AWS_SECRET_ACCESS_KEY: 'local-basicauth-not-secret' };
