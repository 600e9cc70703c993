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

// Terraform and its AWS provider are Go programs that spend much of their
// CPU in garbage collection while they load the provider's schema; the tests
// start them dozens of times. Trading some memory for that CPU keeps the suite
// inside its time on a 2-core machine (a Go runtime setting, nothing Terraform does differently).
process.env.GOGC ??= '400';
