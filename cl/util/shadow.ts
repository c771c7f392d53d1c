/**
 * Temporarily replacing methods of one object (a layer's forward while projectors or Fisher factors
 * collect what passes through it): own properties that shadow the class's methods, and a function that
 * puts back exactly what was there before.
 */
export function shadow(obj: object, methods: Record<string, unknown>): () => void {
  const before = Object.keys(methods).map((k) => [k, Object.getOwnPropertyDescriptor(obj, k)] as const);
  Object.assign(obj, methods);
  return () => {
    for (const [k, own] of before) {
      if (own) Object.defineProperty(obj, k, own);
      else delete (obj as Record<string, unknown>)[k];
    }
  };
}
