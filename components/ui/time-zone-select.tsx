"use client";
/**
 * A searchable time-zone picker: an ARIA 1.2 combobox (a text input that
 * filters a listbox). The browser's zone and UTC come first; only today's
 * IANA names are listed (see time-zones.ts). Keyboard: ↓/↑ open and move,
 * Page Down/Up move by ten, Enter picks, Escape closes (without closing a
 * dialog around it), Tab leaves. Typing an exact zone name and leaving the
 * field also picks it. The list opens in the flow of the page, not over it,
 * so inside a scrolling dialog it is never cut off.
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { inputClass } from "./button";
import { browserTimeZones, filterTimeZones, utcOffsetLabel, type TimeZoneItem } from "./time-zones";

type Props = {
  /** Given to the input, so a `<label htmlFor>` names the combobox. */
  id?: string;
  value: string;
  onChange: (value: string) => void;
  "aria-describedby"?: string;
  className?: string;
  /** The listbox's name for screen readers. */
  listLabel?: string;
};

type Row = TimeZoneItem & { offset: string; local: boolean };

const offsets = new Map<string, string>();
function offsetOf(id: string): string {
  let label = offsets.get(id);
  if (label === undefined) {
    label = utcOffsetLabel(id);
    offsets.set(id, label);
  }
  return label;
}

export function TimeZoneSelect({ id, value, onChange, className = "", listLabel = "Time zones", ...rest }: Props) {
  const autoId = useId();
  const inputId = id ?? `${autoId}-input`;
  const listId = `${autoId}-list`;
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  // null while the input shows the chosen zone; the typed text while searching.
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);

  const zones = useMemo(() => (open ? browserTimeZones() : null), [open]);
  const rows = useMemo<{ suggested: Row[]; others: Row[] } | null>(() => {
    if (!zones) return null;
    const row = (z: TimeZoneItem, local = false): Row => ({ ...z, offset: offsetOf(z.id), local });
    const localId = zones.suggested.length > 1 ? zones.suggested[0].id : null;
    const all = [...zones.suggested, ...zones.others].map((z) => row(z, z.id === localId));
    if (query && query.trim()) return { suggested: [], others: filterTimeZones(all, query, (r) => r.offset) };
    return { suggested: all.slice(0, zones.suggested.length), others: all.slice(zones.suggested.length) };
  }, [zones, query]);
  const flat = useMemo(() => (rows ? [...rows.suggested, ...rows.others] : []), [rows]);
  const activeRow = open ? flat[active] : undefined;
  const optionId = (i: number) => `${autoId}-opt-${i}`;

  // Keep the highlighted option in view; bring the list into view when it opens.
  useEffect(() => {
    if (!open) return;
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- optionId is derived from a stable id
  }, [open, active]);
  useEffect(() => {
    if (open) listRef.current?.scrollIntoView({ block: "nearest" });
  }, [open]);

  function openList() {
    const list = browserTimeZones();
    const all = [...list.suggested, ...list.others];
    const at = all.findIndex((z) => z.id === value || z.aliases.includes(value));
    setActive(at >= 0 ? at : 0);
    setOpen(true);
  }

  function close() {
    setOpen(false);
    setQuery(null);
  }

  function choose(row: Row | undefined) {
    if (row) onChange(row.id);
    close();
  }

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    const last = flat.length - 1;
    switch (e.key) {
      case "ArrowDown":
      case "ArrowUp":
        e.preventDefault();
        if (!open) return openList();
        if (e.altKey && e.key === "ArrowUp") return choose(activeRow);
        setActive((i) => (e.key === "ArrowDown" ? Math.min(i + 1, last) : Math.max(i - 1, 0)));
        return;
      case "PageDown":
      case "PageUp":
        if (!open) return;
        e.preventDefault();
        setActive((i) => (e.key === "PageDown" ? Math.min(i + 10, last) : Math.max(i - 10, 0)));
        return;
      case "Enter":
        // Picks the highlighted zone; with the list closed, Enter submits the form as in any field.
        if (!open) return;
        e.preventDefault();
        choose(activeRow);
        return;
      case "Escape":
        if (!open && query === null) return; // let a dialog around it close
        e.preventDefault();
        e.stopPropagation();
        close();
        return;
    }
  }

  function onBlur() {
    if (!open && query === null) return;
    // An exact name typed and left behind counts as picked.
    const typed = query?.trim().toLowerCase();
    const list = browserTimeZones();
    const exact = typed ? [...list.suggested, ...list.others].find((z) => z.id.toLowerCase() === typed) : undefined;
    if (exact) onChange(exact.id);
    close();
  }

  const renderOption = (row: Row, index: number) => {
    const selected = row.id === value || row.aliases.includes(value);
    const highlighted = index === active;
    return (
      <div
        key={row.id}
        id={optionId(index)}
        role="option"
        // As in the APG examples: the highlighted option is the selected one; the zone in use is marked "current".
        aria-selected={highlighted}
        data-value={row.id}
        // Keep the focus in the input.
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => choose(row)}
        onMouseMove={() => {
          if (!highlighted) setActive(index);
        }}
        className={`flex cursor-pointer items-baseline justify-between gap-3 px-3 py-1.5 text-sm ${
          highlighted ? "bg-blue-700 text-white" : "text-slate-900"
        }`}
      >
        <span className="min-w-0 break-words">
          {selected && <span aria-hidden="true">✓ </span>}
          {row.id}
          {selected && <span className="sr-only">, current</span>}
          {row.local && <span className={highlighted ? "text-blue-100" : "text-slate-600"}> · your time zone</span>}
        </span>
        <span className={`shrink-0 text-xs tabular-nums ${highlighted ? "text-blue-100" : "text-slate-600"}`}>{row.offset}</span>
      </div>
    );
  };

  const groupLabel = "px-3 pt-2 pb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase";
  const searching = Boolean(query && query.trim());
  return (
    <div className={className}>
      <div className="relative">
        <input
          ref={inputRef}
          id={inputId}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={activeRow ? optionId(active) : undefined}
          aria-describedby={rest["aria-describedby"]}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          value={query ?? value}
          placeholder="Search, e.g. Chicago or Kolkata"
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
            setOpen(true);
          }}
          onFocus={(e) => e.currentTarget.select()}
          onClick={() => (open ? undefined : openList())}
          onKeyDown={onKeyDown}
          onBlur={onBlur}
          className={`${inputClass} pr-10`}
          data-testid="time-zone-input"
        />
        <button
          type="button"
          tabIndex={-1}
          aria-label={listLabel}
          aria-expanded={open}
          aria-controls={listId}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            if (open) close();
            else openList();
            inputRef.current?.focus();
          }}
          className="absolute inset-y-0 right-0 flex w-10 items-center justify-center text-slate-600 hover:text-slate-900"
        >
          <svg aria-hidden="true" viewBox="0 0 20 20" className={`h-4 w-4 transition-transform ${open ? "rotate-180" : ""}`}>
            <path
              d="M5 7.5 10 12.5 15 7.5"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        </button>
      </div>
      {/* Always in the document (aria-controls must point somewhere); shown only while open. */}
      <div
        ref={listRef}
        id={listId}
        role="listbox"
        aria-label={listLabel}
        hidden={!open || flat.length === 0}
        className="mt-1 max-h-60 overflow-y-auto rounded-md border border-slate-300 bg-white py-1 shadow-sm"
      >
        {open && rows && !searching && (
          <>
            <div role="group" aria-labelledby={`${autoId}-suggested`}>
              <div id={`${autoId}-suggested`} role="presentation" className={groupLabel}>
                Suggested
              </div>
              {rows.suggested.map((r, i) => renderOption(r, i))}
            </div>
            <div role="group" aria-labelledby={`${autoId}-all`} className="mt-1 border-t border-slate-200">
              <div id={`${autoId}-all`} role="presentation" className={groupLabel}>
                All time zones
              </div>
              {rows.others.map((r, i) => renderOption(r, rows.suggested.length + i))}
            </div>
          </>
        )}
        {open && rows && searching && rows.others.map((r, i) => renderOption(r, i))}
      </div>
      {open && searching && flat.length === 0 && (
        <p className="mt-1 rounded-md border border-slate-300 px-3 py-2 text-sm text-slate-600">No time zone matches “{query}”.</p>
      )}
      <span role="status" className="sr-only">
        {open && searching ? (flat.length === 1 ? "1 time zone" : `${flat.length} time zones`) : ""}
      </span>
    </div>
  );
}
