package policyexpr

import "time"

// FormatDateTime renders t as DateTime.ToString(format) does in the
// invariant culture: a .NET standard ("o", "s", "u", "r", "d", "G", …) or
// custom ("yyyyMMddTHH:mm:ssZ", quoted literals, \ escapes) format. The
// gateway's Liquid Date filter formats with it, as APIM's Liquid runs in
// "C# mode" (Learn, "Set body").
func FormatDateTime(t time.Time, format string) string { return formatDateTime(t, format) }
