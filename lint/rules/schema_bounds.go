package rules

//go:generate go run ./internal/schemagen -schemas ../../../shared/corpus/arm-schemas/schemas -o schema_bounds_gen.go

// schemaBound is what the ARM schemas declare about one property: string
// length, item length (arrays of strings), integer range or enum. Nil
// pointers and an empty Enum mean "not declared".
type schemaBound struct {
	// Def and Prop name the schema definition and its property
	// ("BackendContractProperties", "title").
	Def, Prop string
	// Versions are the schema versions that declare these bounds.
	Versions                            string
	MinLength, MaxLength, ItemMaxLength int
	Minimum, Maximum                    int
	Enum                                []string
}

// schemaRequirement lists the properties a definition requires.
type schemaRequirement struct {
	Def      string
	Props    []string
	Versions string
}
