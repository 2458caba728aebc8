"use client";
/** Copies text to the clipboard and says so; falls back to selecting the text where the Clipboard API is unavailable (plain http). */
import { useState } from "react";
import { buttonClass } from "./button";

export function CopyButton({
  text,
  label = "Copy",
  targetId,
  size = "sm",
}: {
  text: string;
  label?: string;
  targetId?: string;
  size?: "sm" | "md";
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const el = targetId ? document.getElementById(targetId) : null;
      if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
        el.focus();
        el.select();
      }
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2500);
  }
  return (
    <>
      <button type="button" onClick={copy} className={buttonClass("secondary", size, "font-sans")}>
        {state === "copied" ? "Copied" : label}
      </button>
      <span role="status" className="sr-only">
        {state === "copied" ? "Copied to the clipboard" : state === "failed" ? "Could not copy; the text is selected, press Control+C" : ""}
      </span>
    </>
  );
}
