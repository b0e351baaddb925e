package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
)

// Record is what trace, emit-metric and log-to-eventhub produce: apimlab
// keeps them in memory (Gateway.Records) and hands them to the hook set
// with Gateway.OnRecord, instead of Application Insights, Azure Monitor
// or Event Hubs.
type Record struct {
	Time   time.Time
	Policy string // "trace", "emit-metric", "log-to-eventhub", "llm-emit-token-metric", …
	// Name is the trace source, the metric name or the logger id.
	Name string
	// Severity of a trace ("verbose", "information", "error").
	Severity string
	// Message is the trace message or the event text.
	Message string
	// Value is the metric value.
	Value float64
	// Dimensions are metric dimensions and trace metadata.
	Dimensions map[string]string
}

// maxRecords bounds Gateway.Records.
const maxRecords = 1000

// recorder keeps the latest records and streams them on /events.
type recorder struct {
	mu     sync.Mutex
	buf    []Record
	hook   atomic.Pointer[func(Record)]
	events *broker // set by New
}

func (r *recorder) add(rec Record) {
	r.mu.Lock()
	if len(r.buf) >= maxRecords {
		r.buf = append(r.buf[:0], r.buf[1:]...)
	}
	r.buf = append(r.buf, rec)
	r.mu.Unlock()
	if r.events != nil && r.events.listening() {
		r.events.publish(streamEvent{"record", RecordEvent(rec)})
	}
	if h := r.hook.Load(); h != nil {
		(*h)(rec)
	}
}

// Records returns the latest records (at most 1,000), oldest first.
func (g *Gateway) Records() []Record {
	g.records.mu.Lock()
	defer g.records.mu.Unlock()
	return append([]Record(nil), g.records.buf...)
}

// OnRecord sets a function called with every record, on the request path
// (it should be quick); nil removes it.
func (g *Gateway) OnRecord(f func(Record)) {
	if f == nil {
		g.records.hook.Store(nil)
		return
	}
	g.records.hook.Store(&f)
}

// traceStep is <trace source severity><message/><metadata name value/>
// (Learn, "Trace": adds a custom trace to the request tracing output,
// Application Insights and resource logs).
type traceStep struct {
	source, severity string
	message          *value
	meta             map[string]*value
}

func (c *compiler) trace(e *policy.Element) step {
	src := c.requireAttr(e, "source")
	msg := e.Child("message")
	if src == nil {
		return nil
	}
	if msg == nil {
		c.fail(e.Pos, "<trace>: <message> is required")
		return nil
	}
	st := &traceStep{source: src.lit, severity: e.AttrValue("severity", "verbose"), message: c.textValue(msg), meta: map[string]*value{}}
	switch st.severity {
	case "verbose", "information", "error":
	default:
		c.fail(e.Pos, "<trace>: severity %q (want verbose, information or error)", st.severity)
	}
	for _, m := range e.ChildrenNamed("metadata") {
		if v := c.attrValue(m, "value"); v != nil {
			st.meta[m.AttrValue("name", "")] = v
		}
	}
	return st
}

func (s *traceStep) run(x *exchange) error {
	msg, err := s.message.str(x)
	if err != nil {
		return err
	}
	dims, err := evalDims(x, s.meta)
	if err != nil {
		return err
	}
	x.g.records.add(Record{Time: x.g.now(), Policy: "trace", Name: s.source, Severity: s.severity, Message: msg, Dimensions: dims})
	return nil
}

func evalDims(x *exchange, m map[string]*value) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, err := v.str(x)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

// emitMetricStep is <emit-metric name value namespace><dimension name
// value/></emit-metric> (Learn, "Emit custom metrics": value defaults to
// 1; a dimension without value takes a default from the context, which
// apimlab fills for API ID, Operation ID, Client IP address and Gateway
// ID).
type emitMetricStep struct {
	policy    string
	name      *value
	value     *value
	namespace string
	dims      map[string]*value
	defDims   []string
}

func (c *compiler) emitMetric(e *policy.Element) step {
	name := c.requireAttr(e, "name")
	if name == nil {
		return nil
	}
	st := &emitMetricStep{policy: e.Name, name: name, value: c.attrValue(e, "value"), namespace: e.AttrValue("namespace", "API Management"), dims: map[string]*value{}}
	for _, d := range e.ChildrenNamed("dimension") {
		n := d.AttrValue("name", "")
		if v := c.attrValue(d, "value"); v != nil {
			st.dims[n] = v
		} else {
			st.defDims = append(st.defDims, n)
		}
	}
	return st
}

// defaultDimension is a dimension without value (Learn lists the default
// values of API ID, Operation ID, Product ID, User ID, Subscription ID,
// Location and Gateway ID).
func (x *exchange) defaultDimension(name string) string {
	switch strings.ToLower(strings.ReplaceAll(name, " ", "")) {
	case "apiid":
		if x.api != nil {
			return x.api.info.Id
		}
	case "operationid":
		if x.op != nil {
			return x.op.info.Id
		}
	case "clientip", "clientipaddress":
		return x.ec.Request.IpAddress
	case "gatewayid":
		return x.g.deployment.GatewayId
	case "location":
		return x.g.deployment.Region
	}
	return ""
}

func (s *emitMetricStep) run(x *exchange) error {
	name, err := s.name.str(x)
	if err != nil {
		return err
	}
	val := 1.0
	if s.value != nil {
		str, err := s.value.str(x)
		if err != nil {
			return err
		}
		if val, err = strconv.ParseFloat(strings.TrimSpace(str), 64); err != nil {
			return perr(s.policy, ReasonExpression, http.StatusInternalServerError, "%s: value %q is not a number", s.value.pos, str)
		}
	}
	dims, err := evalDims(x, s.dims)
	if err != nil {
		return err
	}
	for _, d := range s.defDims {
		if dims == nil {
			dims = map[string]string{}
		}
		dims[d] = x.defaultDimension(d)
	}
	x.g.records.add(Record{Time: x.g.now(), Policy: s.policy, Name: s.namespace + "/" + name, Value: val, Dimensions: dims})
	return nil
}

// logToEventHubStep is <log-to-eventhub logger-id>text</log-to-eventhub>
// (Learn, "Log to event hub"): the text goes to the local record sink.
type logToEventHubStep struct {
	logger string
	text   *value
}

func (c *compiler) logToEventHub(e *policy.Element) step {
	l := c.requireAttr(e, "logger-id")
	if l == nil {
		return nil
	}
	return &logToEventHubStep{logger: l.lit, text: c.textValue(e)}
}

func (s *logToEventHubStep) run(x *exchange) error {
	t, err := s.text.str(x)
	if err != nil {
		return err
	}
	x.g.records.add(Record{Time: x.g.now(), Policy: "log-to-eventhub", Name: s.logger, Message: t})
	return nil
}

// waitStep is <wait for="all|any"> (Learn, "Wait": runs its send-request,
// cache-lookup-value and choose children in parallel). apimlab runs them
// one after the other, in order: they share the request's state, and the
// result is the same for children that do not depend on each other; only
// the latency differs (docs/semantics.md).
type waitStep struct{ children []step }

func (c *compiler) wait(e *policy.Element, s policy.Section, inResp bool) step {
	if f := e.AttrValue("for", "all"); f != "all" && f != "any" {
		c.fail(e.Pos, "<wait>: for %q (want all or any)", f)
	}
	for _, ch := range e.Children {
		switch ch.Name {
		case "send-request", "cache-lookup-value", "choose":
		default:
			c.fail(ch.Pos, "<wait>: <%s> is not allowed here (send-request, cache-lookup-value, choose)", ch.Name)
		}
	}
	return &waitStep{children: c.steps(e.Children, s, inResp)}
}

func (s *waitStep) run(x *exchange) error { return runSteps(x, s.children) }

// storedResponse returns the policyexpr.Response in variable name.
func (x *exchange) storedResponse(name string) (policyexpr.Response, bool) {
	switch r := x.variables()[name].(type) {
	case policyexpr.Response:
		return r, true
	case *policyexpr.Response:
		if r != nil {
			return *r, true
		}
	}
	return policyexpr.Response{}, false
}

// useStoredResponse makes the stored response in variable name the
// current response (return-response response-variable-name).
func (x *exchange) useStoredResponse(name string) error {
	r, ok := x.storedResponse(name)
	if !ok {
		return perr("return-response", ReasonExpression, http.StatusInternalServerError, "context variable %q holds no response", name)
	}
	x.newResponse(r.StatusCode)
	x.statusText = r.StatusReason
	for k, v := range r.Headers {
		x.respHeader[k] = append([]string(nil), v...)
	}
	x.respBody = []byte{}
	if r.Body != nil {
		b, err := r.Body()
		if err != nil {
			return err
		}
		x.respBody = []byte(b)
	}
	return nil
}

// messageStep is <publish-to-dapr>, <invoke-dapr-binding> and
// <send-service-bus-message> (Learn, "Send message to Pub/Sub topic",
// "Trigger output binding", "Send message to Service Bus"): apimlab has no
// Dapr sidecar or Service Bus, so the message goes to the record sink,
// named by topic, binding or queue/topic, with the message text.
// invoke-dapr-binding's response-variable-name is not set.
type messageStep struct {
	policy string
	name   string
	text   *value
}

func (c *compiler) message(e *policy.Element) step {
	st := &messageStep{policy: e.Name}
	switch e.Name {
	case "publish-to-dapr":
		st.name = e.AttrValue("pubsub-name", "") + "/" + e.AttrValue("topic", "")
		st.text = c.textValue(e)
	case "invoke-dapr-binding":
		st.name = e.AttrValue("name", "")
		st.text = &value{}
		if d := e.Child("data"); d != nil {
			st.text = c.textValue(d)
		}
	case "send-service-bus-message":
		st.name = e.AttrValue("namespace", "") + "/" + e.AttrValue("queue-name", e.AttrValue("topic-name", ""))
		st.text = &value{}
		if p := e.Child("payload"); p != nil {
			st.text = c.textValue(p)
		}
	}
	return st
}

func (s *messageStep) run(x *exchange) error {
	t, err := s.text.str(x)
	if err != nil {
		return err
	}
	x.g.records.add(Record{Time: x.g.now(), Policy: s.policy, Name: s.name, Message: t})
	return nil
}
