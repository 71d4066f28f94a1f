/** Table row types of the auth migrations (see migrations/). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthTables {}
