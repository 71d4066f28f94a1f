import type { Generated } from 'kysely';
import type { Json } from './database.js';

/** Table row types of the engine migration (002-engine). */
export interface ActionTemplateTable {
  id: string;
  /** 1 or 0. */
  active: number;
  draft: Json;
  published_version: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface TemplateVersionTable {
  template_id: string;
  version: number;
  definition: Json;
  published_at: number;
  published_by: string | null;
}

export interface ActionTable {
  id: string;
  template_id: string;
  template_version: number;
  dossier_id: string;
  dossier_type: string;
  kind: string;
  title: string;
  process: string | null;
  idempotency_key: string;
  status: string;
  execution_mode: string;
  priority: string;
  due_at: number | null;
  expires_at: number | null;
  assignee_user_id: string | null;
  assignee_team_id: string | null;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  locked_by: string | null;
  locked_at: number | null;
  result: Json | null;
  error: string | null;
  status_reason: string | null;
  trigger_event_id: number | null;
  /** Migration 005: actions in a row that led to this one. */
  chain_depth: Generated<number>;
  /** Migration 008: status_reason and error as a code with parameters (null on older rows). */
  status_reason_code: string | null;
  status_reason_params: Json | null;
  error_code: string | null;
  error_params: Json | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface ActionHistoryTable {
  id: Generated<number>;
  action_id: string;
  at: number;
  actor: string | null;
  from_status: string | null;
  to_status: string;
  note: string | null;
  /** Migration 008: the note as a code with parameters (null on older rows). */
  note_code: string | null;
  note_params: Json | null;
}

/** Migration 009: the dossiers an open action's conditions read through references. */
export interface ActionReadsTable {
  dossier_id: string;
  action_id: string;
}

export interface EngineTables {
  action_templates: ActionTemplateTable;
  template_versions: TemplateVersionTable;
  actions: ActionTable;
  action_history: ActionHistoryTable;
  action_reads: ActionReadsTable;
}
