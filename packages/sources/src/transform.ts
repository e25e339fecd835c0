// Transform-mode sources: the payload passed through the source's JSONata expression. The expression was
// compiled when the source was saved (settings.ts); compiled expressions are cached per text.
import jsonata from 'jsonata';

const compiled = new Map<string, ReturnType<typeof jsonata>>();
const CACHE_LIMIT = 500;

export async function transformPayload(expression: string, payload: unknown): Promise<unknown> {
  let program = compiled.get(expression);
  if (!program) {
    program = jsonata(expression);
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(expression, program);
  }
  // undefined (nothing matched) is stored as null: the column says the transform ran.
  return (await program.evaluate(payload)) ?? null;
}
