import type { Generated } from 'kysely';
import type { Json } from './database.js';

/**
 * Table row types of the e-mail migration (migrations/003-email.ts). Times are epoch
 * milliseconds, booleans 1/0, JSON columns text on SQLite and jsonb on PostgreSQL.
 */

/** An e-mail template: Liquid subject and bodies rendered against a dossier of `root_type`. */
export interface EmailTemplateTable {
  id: string;
  name: string;
  /** The dossier type the template is written for; merge fields are checked against it. */
  root_type: string;
  /** `nl` or `en`: the language of the date, money and label filters. */
  language: string;
  subject: string;
  html_body: string;
  /** Plain-text body; generated from the HTML when null. */
  text_body: string | null;
  /** The mailbox this template sends from; the category's or the default mailbox when null. */
  mailbox_id: string | null;
  /** `{ filename, contentType, contentBase64 }` or null. */
  attachment: Json | null;
  version: number;
  created_at: number;
  updated_at: number;
}

/** An outgoing SMTP account. The password is stored encrypted (see effects/email/secret-box.ts). */
export interface MailboxTable {
  id: string;
  name: string;
  host: string;
  port: number;
  /** `tls` (implicit TLS, port 465), `starttls` (required upgrade, port 587) or `none`. */
  security: string;
  username: string | null;
  password_encrypted: string | null;
  from_name: string;
  from_address: string;
  reply_to: string | null;
  /** 1 for the mailbox used when nothing else chooses one. */
  is_default: number;
  /** Category values (campaign id, training type) whose mails this mailbox sends; JSON list. */
  categories: Json;
  /** At most this many messages a minute; null for no limit. */
  rate_per_minute: number | null;
  /** Pooled SMTP connections kept open to the server. */
  max_connections: number;
  /** Accept self-signed certificates (1) — for an internal relay only. */
  allow_invalid_certificates: number;
  version: number;
  created_at: number;
  updated_at: number;
}

/** One rendered message on its way: queued → sending → sent | failed | in_doubt (→ dismissed). */
export interface EmailOutboxTable {
  id: string;
  /** The action whose effect wrote this row; unique, so an effect run twice sends one mail. */
  action_id: string | null;
  dossier_id: string | null;
  dossier_type: string | null;
  template_id: string | null;
  mailbox_id: string;
  /** `<id@domain>`, fixed at enqueue: the same on every attempt and on a resend. */
  message_id: string;
  from_name: string;
  from_address: string;
  reply_to: string | null;
  to_addresses: Json;
  cc_addresses: Json;
  bcc_addresses: Json;
  subject: string;
  html_body: string;
  text_body: string;
  attachments: Json | null;
  status: string;
  attempts: number;
  next_attempt_at: number;
  locked_by: string | null;
  locked_at: number | null;
  /** Set (durably) just before the message's content went to the server; see migration 007. */
  data_sent_at: number | null;
  /** The SMTP server's last answer, or what went wrong talking to it. */
  last_reply: string | null;
  /** Migration 008: what went wrong as a code with parameters (null for a server reply and older rows). */
  last_reply_code: string | null;
  last_reply_params: Json | null;
  /** Where test mode sent the message instead of its recipients. */
  redirected_to: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** `resent` or `dismissed`, by whom and when: a person's decision on an in-doubt or failed mail. */
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: number | null;
  /**
   * 1 when a person should look at the message although it was sent: the server refused some of
   * its recipients (named in `last_reply`). Cleared when a person dismisses it.
   */
  needs_attention: Generated<number>;
}

/** Links a message to every dossier it was about (mail history per dossier). */
export interface EmailOutboxDossierTable {
  outbox_id: string;
  dossier_id: string;
}

/** A message received by the local SMTP sink (demo mail viewer). */
export interface MailSinkMessageTable {
  id: Generated<number>;
  message_id: string | null;
  envelope_from: string | null;
  envelope_to: Json;
  from_header: string | null;
  to_header: string | null;
  cc_header: string | null;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  headers: Json;
  size: number;
  received_at: number;
}

export interface EmailTables {
  email_templates: EmailTemplateTable;
  mailboxes: MailboxTable;
  email_outbox: EmailOutboxTable;
  email_outbox_dossiers: EmailOutboxDossierTable;
  mail_sink_messages: MailSinkMessageTable;
}
