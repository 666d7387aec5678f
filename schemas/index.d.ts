export declare const schemaDir: string;
export declare function loadSchemas(): Record<string, Record<string, unknown>>;
