// Package gwerr names the errors the API Management gateway raises on its
// own (not a backend's answers): the context.LastError.Reason values and
// the status a client gets when no on-error policy answers. The gateway
// and the model engine both use it, so a simulated run answers what the
// emulator answers.
//
// Sources: Learn, "Error handling in API Management policies" (reasons
// OperationNotFound, BackendConnectionFailure, Timeout,
// ClientConnectionFailure); the gateway's own logs for statuses Learn does
// not list (a BackendConnectionFailure is logged with responseCode 500:
// Azure/api-management-self-hosted-gateway#230). Statuses nobody documents
// are apimlab's choice, listed in docs/semantics.md ("Error responses").
package gwerr

// Reasons (context.LastError.Reason).
const (
	// APINotFound: no API matches the request's path.
	APINotFound = "ApiNotFound"
	// OperationNotFound: the API has no operation for the method and path.
	OperationNotFound = "OperationNotFound"
	// Connection: the backend could not be reached (refused, reset, TLS
	// handshake or certificate validation failed, connection closed
	// before a response).
	Connection = "BackendConnectionFailure"
	// Timeout: no response headers within forward-request's timeout.
	Timeout = "Timeout"
	// BreakerOpen: the backend's circuit breaker is open.
	BreakerOpen = "BackendCircuitBreakerOpen"
	// PoolUnavailable: no member of a load-balanced pool is available.
	PoolUnavailable = "BackendPoolUnavailable"
	// NoBackend: the request has no backend (no serviceUrl, no
	// set-backend-service).
	NoBackend = "NoBackendService"
)

// Statuses the client gets for those reasons when on-error does not set
// one. A breaker or pool answers its failureResponse status (package
// backends).
const (
	// ConnectionStatus: Azure answers 500 for BackendConnectionFailure.
	ConnectionStatus = 500
	// TimeoutStatus: 504 (apimlab's choice; Azure documents none).
	TimeoutStatus = 504
	// NotFoundStatus: ApiNotFound and OperationNotFound.
	NotFoundStatus = 404
	// NoBackendStatus: NoBackendService.
	NoBackendStatus = 500
)
