// The return path after sign-in (?next=): a path of this site comes back as given; anything a browser could read as another origin is the dashboard.
import { describe, expect, it } from "vitest";
import { DEFAULT_RETURN_PATH, authPageHref, safeReturnPath } from "@/lib/return-path";

describe("safeReturnPath", () => {
  it("keeps a path of this site with its query and hash", () => {
    expect(safeReturnPath("/dashboard/exports")).toBe("/dashboard/exports");
    expect(safeReturnPath("/dashboard/exports?status=failed&format=csv")).toBe("/dashboard/exports?status=failed&format=csv");
    expect(safeReturnPath("/dashboard/exports/0b9a?x=1#timeline")).toBe("/dashboard/exports/0b9a?x=1#timeline");
    expect(safeReturnPath("/api/exports/1/download")).toBe("/api/exports/1/download");
  });

  it("normalises dot segments without leaving the site", () => {
    expect(safeReturnPath("/dashboard/../dashboard/exports")).toBe("/dashboard/exports");
    expect(safeReturnPath("/../../etc/passwd")).toBe("/etc/passwd");
    expect(safeReturnPath("/a\\b")).toBe("/a/b");
  });

  it.each([
    ["nothing", undefined],
    ["null", null],
    ["an empty string", ""],
    ["a number", 42],
    ["an array (?next=a&next=b)", ["/dashboard/exports", "/x"]],
    ["an object", { toString: () => "/dashboard" }],
    ["an absolute http URL", "https://evil.example/dashboard"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a data: URL", "data:text/html,<script>alert(1)</script>"],
    ["a scheme in upper case", "HTTPS://evil.example"],
    ["a protocol-relative URL", "//evil.example"],
    ["a protocol-relative URL with a path", "//evil.example/dashboard"],
    ["three slashes", "///evil.example"],
    ["a slash and a backslash", "/\\evil.example"],
    ["a backslash first", "\\\\evil.example"],
    ["a relative path", "dashboard/exports"],
    ["a dot path", "./dashboard"],
    ["a leading space", " /dashboard"],
    ["a tab the URL parser drops", "/\t/evil.example"],
    ["a newline", "/\n/evil.example"],
    ["a carriage return", "/dashboard\r\nLocation: https://evil.example"],
    ["a NUL", "/dashboard\u0000"],
    ["DEL", "/\u007f/evil.example"],
    ["a C1 control", "/dashboard\u0085"],
    ["a path that is too long", `/${"a".repeat(5000)}`],
    ["the sign-in page (a loop)", "/sign-in"],
    ["the sign-in page with a query", "/sign-in?next=/dashboard"],
    ["the sign-up page with a trailing slash", "/sign-up/"],
  ])("answers the dashboard for %s", (_, value) => {
    expect(safeReturnPath(value)).toBe(DEFAULT_RETURN_PATH);
  });

  it("does not let percent-encoding turn into another origin", () => {
    // Stays a path on this site: the browser does not decode %2F in the path into a second slash.
    expect(safeReturnPath("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
    expect(safeReturnPath("/%5Cevil.example")).toBe("/%5Cevil.example");
  });
});

describe("authPageHref", () => {
  it("carries a return path other than the dashboard, encoded", () => {
    expect(authPageHref("/sign-in", "/dashboard/exports?status=failed")).toBe("/sign-in?next=%2Fdashboard%2Fexports%3Fstatus%3Dfailed");
    expect(authPageHref("/sign-up", "/dashboard/exports")).toBe("/sign-up?next=%2Fdashboard%2Fexports");
  });

  it("leaves out the default and anything unsafe", () => {
    expect(authPageHref("/sign-in", "/dashboard")).toBe("/sign-in");
    expect(authPageHref("/sign-in", null)).toBe("/sign-in");
    expect(authPageHref("/sign-in", "//evil.example")).toBe("/sign-in");
  });
});
