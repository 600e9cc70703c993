// Tests never reach a real AWS credential chain or endpoint.
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTFAKE';
process.env.AWS_SECRET_ACCESS_KEY = 'test-fake-secret';
process.env.AWS_SESSION_TOKEN = 'test-fake-session';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;
delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
