/** Version of the HTTP API (its OpenAPI `info.version`); /v1 changes only compatibly. */
export const API_VERSION = "1.0.0";
