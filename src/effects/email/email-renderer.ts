import { WerkflowError } from '../../domain/errors.js';
import { type Label, type Reason, reason } from '../../domain/action/reasons.js';
import type { EmailLanguage } from '../../store/email-template.repository.js';
import { LiquidEngines, type ParsedPart } from './liquid-engine.js';
import { plainTextOf } from './plain-text.js';
import { type TemplatePart, describeProblem, liquidErrorPosition } from './template-validation.js';

/** The parts of a template a render needs; `cacheKey` (id + version) lets parsed parts be reused. */
export interface RenderableTemplate {
  readonly cacheKey?: string;
  readonly name: string;
  readonly language: EmailLanguage;
  readonly subject: string;
  readonly htmlBody: string;
  readonly textBody: string | null;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/**
 * Renders templates: the subject and text body as plain text, the HTML body with every value
 * HTML-escaped, the text body generated from the HTML when the template has none.
 */
export class EmailRenderer {
  constructor(readonly engines = new LiquidEngines()) {}

  private parse(
    template: RenderableTemplate,
    part: TemplatePart,
    source: string,
    mode: 'html' | 'text',
  ): ParsedPart {
    try {
      return template.cacheKey
        ? this.engines.parseCached(`${template.cacheKey}:${part}`, mode, source)
        : this.engines.parse(mode, source);
    } catch (error) {
      throw renderError(template, part, error);
    }
  }

  private async renderPart(
    template: RenderableTemplate,
    part: TemplatePart,
    source: string,
    mode: 'html' | 'text',
    scope: object,
  ): Promise<string> {
    const parsed = this.parse(template, part, source, mode);
    try {
      return await this.engines.render(parsed, scope);
    } catch (error) {
      throw renderError(template, part, error);
    }
  }

  /** Renders all parts against one scope (see merge-context.ts); a failure names part, line and column. */
  async render(template: RenderableTemplate, scope: object): Promise<RenderedEmail> {
    const [subject, html, text] = await Promise.all([
      this.renderPart(template, 'subject', template.subject, 'text', scope),
      this.renderPart(template, 'htmlBody', template.htmlBody, 'html', scope),
      template.textBody !== null && template.textBody.trim() !== ''
        ? this.renderPart(template, 'textBody', template.textBody, 'text', scope)
        : Promise.resolve(null),
    ]);
    return {
      // A header is one line: a value with a line break must not start a new header.
      subject: subject.replace(/[\r\n]+/g, ' ').trim(),
      html,
      text: text ?? plainTextOf(html),
    };
  }
}

/** The Dutch names of the parts a render fills in (the English names are the keys). */
const PART_NL: Partial<Record<TemplatePart, string>> = {
  subject: 'Onderwerp',
  htmlBody: 'HTML',
  textBody: 'Tekst',
};

/** What cannot be filled in, as a coded sentence: where (part, line, column), then what. */
export function fillInProblem(
  part: TemplatePart,
  at: Pick<ReturnType<typeof liquidErrorPosition>, 'line' | 'column' | 'code' | 'params'>,
): Reason {
  const where: Label =
    at.line === null
      ? { en: part, nl: PART_NL[part] ?? part }
      : {
          en: `${part}, line ${at.line}, column ${at.column ?? 1}`,
          nl: `${PART_NL[part] ?? part}, regel ${at.line}, kolom ${at.column ?? 1}`,
        };
  return reason(`reason.templateProblem.${at.code}`, { ...at.params, where });
}

function renderError(template: RenderableTemplate, part: TemplatePart, error: unknown): WerkflowError {
  if (error instanceof WerkflowError) return error;
  const at = liquidErrorPosition(error);
  const problem = describeProblem({
    part,
    line: at.line,
    column: at.column,
    field: null,
    message: at.message,
  });
  return new WerkflowError(
    'invalid_state',
    `The e-mail template "${template.name}" cannot be filled in for this dossier (${problem}). Correct the template and try again.`,
    {
      path: part,
      cause: error,
      reason: reason('reason.emailTemplateUnfillable', {
        template: template.name,
        problem: [fillInProblem(part, at)],
      }),
    },
  );
}
