package gateway

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/apimlab/apimlab/apim/gwerr"
)

// ErrConfig is wrapped by every error New returns for a configuration the
// gateway cannot run (unknown policy, bad attribute, unresolvable backend…).
// The message names the file:line:col of the problem.
var ErrConfig = errors.New("gateway: configuration")

// LastError reasons the gateway raises (the ones the model engine raises
// too come from package gwerr). Azure documents OperationNotFound (source
// "configuration"); the backend reasons below are the names APIM logs use
// where we could confirm them (BackendConnectionFailure, Timeout,
// ClientConnectionFailure) and apimlab's names otherwise; see
// docs/semantics.md.
const (
	ReasonAPINotFound       = gwerr.APINotFound
	ReasonOperationNotFound = gwerr.OperationNotFound
	ReasonConnection        = gwerr.Connection
	ReasonTimeout           = gwerr.Timeout
	ReasonClientConnection  = "ClientConnectionFailure"
	ReasonBreakerOpen       = gwerr.BreakerOpen
	ReasonPoolUnavailable   = gwerr.PoolUnavailable
	ReasonBackendNotFound   = "BackendNotFound"
	ReasonErrorStatus       = "BackendErrorStatusCode"
	ReasonExpression        = "ExpressionValueEvaluationFailure"
	ReasonNoBackend         = gwerr.NoBackend
	ReasonCertificate       = "ClientCertificateUnavailable"
	ReasonBodyTooLarge      = "RequestEntityTooLarge"

	// ReasonClientBody: the client's request body could not be read
	// (malformed chunked encoding, bad framing). 400, never the backend's
	// fault.
	ReasonClientBody = "ClientRequestBodyFailure"
	// ReasonClientTimeout: the client did not send its request body in
	// time (the server's read-body timeout, or forward-request's timeout
	// fired while the gateway was still waiting for the client's body).
	// 408, never the backend's fault.
	ReasonClientTimeout = "ClientRequestTimeout"
	// ReasonOverloaded: the gateway is at its limit of concurrent
	// requests (ServerOptions.MaxConcurrent). 503 with Retry-After, answered
	// before any backend is dialled.
	ReasonOverloaded = "GatewayOverloaded"
	// ReasonGatewayResources: the gateway ran out of file descriptors,
	// memory or ephemeral ports dialling a backend, or no connection slot
	// of the backend (Options.MaxConnsPerBackend) became free in time. 503
	// with Retry-After, never the backend's fault.
	ReasonGatewayResources = "GatewayResourceExhausted"
)

// pipelineError is an error raised while a request runs the pipeline; it
// becomes context.LastError and, if on-error does not answer, the
// gateway's response.
type pipelineError struct {
	Source   string // the policy or built-in step ("forward-request", "configuration")
	Reason   string
	Message  string
	Status   int    // the status the caller gets if on-error does not set one
	PolicyID string // the id attribute of the failing policy, if any
	Path     string // the element path of the failing policy
	Backend  string // the backend involved, "" when none
	// keep is set when the backend's response stays the response on-error
	// sees (fail-on-error-status-code); otherwise the gateway's error
	// response replaces it.
	keep bool
	// party is who the error is attributed to (errors of forward-request).
	party Party
	// retryAfter adds a Retry-After header to the gateway's error response
	// (overload and resource exhaustion: the client may try again soon).
	retryAfter bool
	// detail is the internal cause (Go error text, addresses): logged,
	// never sent to the client.
	detail string
}

func (e *pipelineError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Source, e.Reason, e.Message)
}

// perr builds a pipelineError.
func perr(source, reason string, status int, format string, args ...any) *pipelineError {
	return &pipelineError{Source: source, Reason: reason, Status: status, Message: fmt.Sprintf(format, args...)}
}

// asPipelineError converts any error raised by a step.
func asPipelineError(err error, source string) *pipelineError {
	var pe *pipelineError
	if errors.As(err, &pe) {
		return pe
	}
	return &pipelineError{Source: source, Reason: ReasonExpression, Status: http.StatusInternalServerError, Message: err.Error()}
}
