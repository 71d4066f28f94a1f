import { compile } from 'html-to-text';

/**
 * The plain-text alternative of an HTML message, for templates without their own text body.
 * Compiled once: html-to-text's option handling costs more than the conversion of a short mail.
 */
const convert = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],
});

export function plainTextOf(html: string): string {
  return convert(html).trim();
}
