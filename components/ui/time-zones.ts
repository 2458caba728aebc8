/**
 * The time zones the time-zone picker offers: IANA's current names only, the
 * browser's own zone and UTC first. Engines list ICU's ids, and ICU keeps some
 * renamed zones under their old spelling ("Asia/Calcutta", "Europe/Kiev"), so
 * those are mapped to today's name; the old spelling still finds it in a
 * search. Pure functions of their inputs, so they can be tested without a
 * browser; the Intl-backed defaults are read once.
 */

/** Old spellings that engines (ICU/CLDR) still report → the IANA name in use today. */
export const LEGACY_TIME_ZONES: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Dacca": "Asia/Dhaka",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Macao": "Asia/Macau",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Thimbu": "Asia/Thimphu",
  "Asia/Ujung_Pandang": "Asia/Makassar",
  "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Europe/Uzhgorod": "Europe/Kyiv",
  "Europe/Zaporozhye": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
  // What some systems report for UTC.
  "Etc/UTC": "UTC",
  "Etc/UCT": "UTC",
  "Etc/Universal": "UTC",
  "Etc/Zulu": "UTC",
  UCT: "UTC",
  Universal: "UTC",
  Zulu: "UTC",
};

export type TimeZoneItem = {
  id: string;
  /** Old spellings that map to this zone, so "Calcutta" still finds Asia/Kolkata. */
  aliases: string[];
};

export type TimeZoneList = {
  /** The browser's zone (when it is a real one) and UTC, in that order. */
  suggested: TimeZoneItem[];
  /** Every other zone, alphabetical. */
  others: TimeZoneItem[];
};

type Sources = {
  /** What the engine lists (Intl.supportedValuesOf("timeZone")). */
  supported: readonly string[];
  /** The browser's zone (Intl.DateTimeFormat().resolvedOptions().timeZone). */
  local?: string | null;
  /** Whether the engine accepts an id; a renamed zone is kept under its old name if the engine does not know the new one. */
  isSupported?: (id: string) => boolean;
};

export function isValidTimeZone(id: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: id });
    return true;
  } catch {
    return false;
  }
}

/** Today's IANA name of `id` (itself when it is not an old spelling). */
export function canonicalTimeZone(id: string, isSupported: (id: string) => boolean = isValidTimeZone): string {
  const current = LEGACY_TIME_ZONES[id];
  return current && isSupported(current) ? current : id;
}

export function buildTimeZoneList({ supported, local, isSupported = isValidTimeZone }: Sources): TimeZoneList {
  const byId = new Map<string, TimeZoneItem>();
  const add = (raw: string) => {
    const id = canonicalTimeZone(raw, isSupported);
    const item = byId.get(id) ?? { id, aliases: [] };
    if (raw !== id && !item.aliases.includes(raw)) item.aliases.push(raw);
    byId.set(id, item);
    return item;
  };
  for (const raw of supported) add(raw);
  const utc = byId.get("UTC") ?? add("UTC");
  // Spellings the engine does not list but people know, for the search.
  for (const [old, id] of Object.entries(LEGACY_TIME_ZONES)) {
    const item = byId.get(id);
    if (item && !item.aliases.includes(old)) item.aliases.push(old);
  }
  const localId = local ? canonicalTimeZone(local, isSupported) : null;
  const localItem = localId && localId !== "UTC" && isSupported(localId) ? (byId.get(localId) ?? add(localId)) : null;
  const suggested = localItem ? [localItem, utc] : [utc];
  const others = [...byId.values()].filter((z) => !suggested.includes(z)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { suggested, others };
}

let cached: TimeZoneList | null = null;

/** The list for this browser, built once. */
export function browserTimeZones(): TimeZoneList {
  if (cached) return cached;
  let supported: string[] = [];
  try {
    supported = Intl.supportedValuesOf("timeZone");
  } catch {
    supported = [];
  }
  let local: string | null = null;
  try {
    local = Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;
  } catch {
    local = null;
  }
  cached = buildTimeZoneList({ supported, local });
  return cached;
}

/** "asia/ho chi minh": lower case, underscores as spaces, so "ho chi" and "new york" match. */
function normalise(s: string): string {
  return s.toLowerCase().replace(/_/g, " ");
}

/**
 * The zones whose name (or an old spelling of it, or the extra text such as a
 * UTC offset) contains every word of `query`. Zones whose city starts with the
 * query come first; otherwise the order is kept.
 */
export function filterTimeZones<T extends TimeZoneItem>(items: readonly T[], query: string, extra?: (item: T) => string): T[] {
  const words = normalise(query).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  const q = words.join(" ");
  const first: T[] = [];
  const rest: T[] = [];
  for (const item of items) {
    const names = [item.id, ...item.aliases].map(normalise);
    const haystack = `${names.join(" ")} ${extra ? normalise(extra(item)) : ""}`;
    if (!words.every((w) => haystack.includes(w))) continue;
    const city = (name: string) => name.slice(name.lastIndexOf("/") + 1);
    if (names.some((n) => n.startsWith(q) || city(n).startsWith(q))) first.push(item);
    else rest.push(item);
  }
  return [...first, ...rest];
}

/** "GMT+5:30" for a zone now; empty when the engine cannot say. */
export function utcOffsetLabel(id: string, at: Date = new Date()): string {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: id, timeZoneName: "shortOffset" })
      .formatToParts(at)
      .find((p) => p.type === "timeZoneName");
    return part?.value ?? "";
  } catch {
    return "";
  }
}
