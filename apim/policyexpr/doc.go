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
// What expr-lang cannot express — lambdas and LINQ, loops, try/catch, local
// functions, initializers, anonymous types, Newtonsoft JSON, XML, IResponse
// and Jwt values, byte arrays and hashing — runs on a second engine: when
// the translator reports a construct as unsupported, Compile parses the
// source with the full parser and compiles it for a closure-based,
// dynamically typed interpreter (interp*.go). Types outside Learn's allowed
// list are a load error there, at their position. Program.Interpreted
// reports which engine runs a program; Check runs both front ends without
// building the expr-lang program.
//
// A construct outside both engines is reported as *UnsupportedError naming
// the construct and its position; docs/semantics.md ("Policy expressions:
// the emulated C# subset and what is outside it") lists them. Semantics that differ
// from the .NET runtime are documented where they are implemented; the main
// one of the typed engine is that a null string is modelled as "" (so
// `s ?? "d"` yields "d" for an empty s, and GetValueOrDefault("X") on a
// missing header yields ""); the interpreter keeps real nulls.
package policyexpr
