/** Table row types of the email migrations (see migrations/). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EmailTables {}
