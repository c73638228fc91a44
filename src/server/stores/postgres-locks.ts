// Advisory lock keys of the PostgreSQL store. The two-integer form keeps trust-tui's locks in their own
// namespaces (first integer), apart from each other and from any other program on the database.

/** Per repository: (namespace, hashtext(gun)). A hash collision only makes two repositories take turns. */
export const LOCK_NAMESPACE_REPOSITORY = 0x7472_7501;
/** Schema migrations: (namespace, 0). */
export const LOCK_NAMESPACE_MIGRATIONS = 0x7472_7502;
/** Change feed appends: (namespace, 0), held from the append to the commit (see postgres.ts). */
export const LOCK_NAMESPACE_CHANGEFEED = 0x7472_7503;
