package gateway

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policyexpr"
)

// compilePolicyExpr is the default ExprCompiler.
func compilePolicyExpr(src string, block bool, pos apim.Position) (Evaluator, error) {
	p, err := policyexpr.Compile(src, block, pos)
	if err != nil {
		return nil, err
	}
	return p, nil
}
