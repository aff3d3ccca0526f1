// The few Reflect metadata functions tsyringe (a dependency of @peculiar/x509) asks for, so that the test PKI
// needs no polyfill package. Imported before @peculiar/x509.
type Target = object;
type MetadataReflect = {
  getMetadata?: (key: unknown, target: Target, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: unknown, target: Target, property?: PropertyKey) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target, property?: PropertyKey) => void;
};

const store = new WeakMap<Target, Map<string, unknown>>();
const slot = (key: unknown, property?: PropertyKey): string => `${String(property ?? '')}\u0000${String(key)}`;
const reflect = Reflect as unknown as MetadataReflect;

if (!reflect.getMetadata) {
  reflect.defineMetadata = (key, value, target, property) => {
    let map = store.get(target);
    if (!map) {
      map = new Map();
      store.set(target, map);
    }
    map.set(slot(key, property), value);
  };
  reflect.getOwnMetadata = (key, target, property) => store.get(target)?.get(slot(key, property));
  reflect.getMetadata = (key, target, property) => {
    for (let current: Target | null = target; current; current = Object.getPrototypeOf(current) as Target | null) {
      const value = store.get(current)?.get(slot(key, property));
      if (value !== undefined) {
        return value;
      }
    }
    return undefined;
  };
}
