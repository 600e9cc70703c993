// The runtime's `cloudfront` module: reads of the KeyValueStore associated with the function.
declare module 'cloudfront' {
  interface KvsHandle {
    /** rejects when the key does not exist */
    get(key: string, options?: { format?: 'string' }): Promise<string>;
    get(key: string, options: { format: 'json' }): Promise<unknown>;
    exists(key: string): Promise<boolean>;
    meta(): Promise<{ creationDateTime: string; lastUpdatedDateTime: string; keyCount: number }>;
  }
  const cf: { kvs(id?: string): KvsHandle };
  export default cf;
}
