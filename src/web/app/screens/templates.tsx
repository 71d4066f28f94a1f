export function TemplatesPage() {
  return null;
}
export function TemplateEditor(_: { id: string | null }) {
  return null;
}
