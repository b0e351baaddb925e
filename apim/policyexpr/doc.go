// Package policyexpr translates Azure API Management policy expressions — the
// C# subset real policies use, written as @(expression) or @{ statements } —
// into github.com/expr-lang/expr programs, compiles them once against the typed
// Context, and runs them per request.
//
// The pipeline is: a tokenizer and a recursive-descent parser build a C# AST;
// a checker types every node (string, int, bool, object, header dictionaries,
// …) and emits expr-lang source in which every C# member maps to a field of
// Context or to one of the typed helper functions registered with expr
// (functions.go). Blocks become nested `let` bindings and ternaries; an `if`
// whose branches fall through continues with the following statements in both
// branches. Because the checker knows the static type of every value, type
// errors are reported at load time with the position of the C# source, and
// the per-request work is a short VM run with no reflection beyond field loads.
//
// A construct outside the subset is reported as *UnsupportedError naming the
// construct and its position; docs/semantics.md ("Policy expressions: the
// emulated C# subset and what is outside it") lists them. Semantics that differ
// from the .NET runtime are documented where they are implemented; the main
// one is that a null string is modelled as "" (so `s ?? "d"` yields "d" for an
// empty s, and GetValueOrDefault("X") on a missing header yields "").
package policyexpr
