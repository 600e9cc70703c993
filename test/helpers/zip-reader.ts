// The local cloud's zip reader, for tests that check what the bundler wrote.
export { readZip, type ZipEntry as ZipListing } from '../../cli/local/zip-reader.js';
