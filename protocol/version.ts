/** Baton's release version; a unit test keeps it equal to package.json's. */
export const BATON_VERSION = '0.1.0';

/** The wire protocol's version: the second segment of every topic. */
export const PROTOCOL_VERSION = 'v1';
