package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
)

// Reasons of the traffic-shaping policies.
const (
	ReasonRateLimit   = "RateLimitExceeded"
	ReasonQuota       = "QuotaExceeded"
	ReasonConcurrency = "ConcurrencyLimitExceeded"
)

// subscriptionKey identifies the caller's subscription for rate-limit and
// quota, which Azure counts "per subscription": the
// Ocp-Apim-Subscription-Key header or subscription-key query parameter,
// hashed so the key never sits in memory as sent. Callers without a key
// share one counter (apimlab has no subscriptions; docs/semantics.md).
func (x *exchange) subscriptionKey() string {
	k := x.header.Get("Ocp-Apim-Subscription-Key")
	if k == "" {
		if i := strings.Index(x.rawQuery, "subscription-key="); i >= 0 && (i == 0 || x.rawQuery[i-1] == '&') {
			k, _, _ = strings.Cut(x.rawQuery[i+len("subscription-key="):], "&")
		}
	}
	if k == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:8])
}

// seconds renders a wait as whole seconds, rounded up, at least 1.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// limitCommon is what rate-limit and rate-limit-by-key share.
type limitCommon struct {
	policy      string
	id          string
	calls       int
	period      time.Duration
	retryHeader string // default Retry-After
	retryVar    string
	remHeader   string
	remVar      string
	totalHeader string
}

func (c *compiler) limitCommon(e *policy.Element, periodAttr string) limitCommon {
	l := limitCommon{policy: e.Name, id: policyID(e), calls: c.intAttr(e, "calls", 0),
		period:      time.Duration(c.intAttr(e, periodAttr, 0)) * time.Second,
		retryHeader: e.AttrValue("retry-after-header-name", "Retry-After"), retryVar: e.AttrValue("retry-after-variable-name", ""),
		remHeader: e.AttrValue("remaining-calls-header-name", ""), remVar: e.AttrValue("remaining-calls-variable-name", ""),
		totalHeader: e.AttrValue("total-calls-header-name", "")}
	if e.Attr("calls") == nil || l.calls <= 0 {
		c.fail(e.Pos, "<%s>: calls must be a positive number", e.Name)
	}
	if l.period <= 0 {
		c.fail(e.Pos, "<%s>: %s must be a positive number of seconds", e.Name, periodAttr)
	}
	return l
}

// outcome applies the headers and variables Learn lists for one check.
func (l *limitCommon) outcome(x *exchange, ok bool, remaining int, retry time.Duration) error {
	if l.remVar != "" {
		x.variables()[l.remVar] = remaining
	}
	if !ok && l.retryVar != "" {
		x.variables()[l.retryVar] = seconds(retry)
	}
	if l.remHeader != "" || l.totalHeader != "" {
		x.after = append(x.after, func(x *exchange) {
			if !x.hasResp {
				return
			}
			if l.remHeader != "" {
				x.respHeader.Set(l.remHeader, strconv.Itoa(remaining))
			}
			if l.totalHeader != "" {
				x.respHeader.Set(l.totalHeader, strconv.Itoa(l.calls))
			}
		})
	}
	if ok {
		return nil
	}
	pe := perr(l.policy, ReasonRateLimit, http.StatusTooManyRequests, "Rate limit is exceeded. Try again in %d seconds.", seconds(retry))
	pe.PolicyID = l.id
	err := x.reject(pe)
	x.respHeader.Set(l.retryHeader, strconv.Itoa(seconds(retry)))
	return err
}

// rateLimitStep is <rate-limit calls renewal-period …> with optional
// <api>/<operation> children (Learn, "Limit call rate by subscription":
// "When the call rate is exceeded, the caller receives a 429 Too Many
// Requests response status code"; renewal-period is "the length in
// seconds of the sliding window").
type rateLimitStep struct {
	limitCommon
	scope  string       // counter scope: the policy's position
	scoped []scopeLimit // <api> and <operation> limits
}

// scopeLimit is a limit of <rate-limit> for one API or operation.
type scopeLimit struct {
	api, op string // name or id; op "" for an API-wide limit
	calls   int
	period  time.Duration
	key     string
}

func (c *compiler) rateLimit(e *policy.Element) step {
	st := &rateLimitStep{limitCommon: c.limitCommon(e, "renewal-period"), scope: e.Pos.String()}
	for _, a := range e.ChildrenNamed("api") {
		api := a.AttrValue("id", a.AttrValue("name", ""))
		if a.Attr("calls") != nil {
			st.scoped = append(st.scoped, scopeLimit{api: api, calls: c.intAttr(a, "calls", 0), period: time.Duration(c.intAttr(a, "renewal-period", 0)) * time.Second, key: a.Pos.String()})
		}
		for _, o := range a.ChildrenNamed("operation") {
			st.scoped = append(st.scoped, scopeLimit{api: api, op: o.AttrValue("id", o.AttrValue("name", "")), calls: c.intAttr(o, "calls", 0), period: time.Duration(c.intAttr(o, "renewal-period", 0)) * time.Second, key: o.Pos.String()})
		}
	}
	for _, s := range st.scoped {
		if s.calls <= 0 || s.period <= 0 {
			c.fail(e.Pos, "<rate-limit>: <api>/<operation> limits need positive calls and renewal-period")
		}
	}
	return st
}

func (s *rateLimitStep) run(x *exchange) error {
	now, sub := x.g.now(), x.subscriptionKey()
	ok, remaining, retry := x.g.state.rateCheck("rl|"+s.scope+"|"+sub, now, s.period, s.calls, 1, true)
	for _, sc := range s.scoped {
		if !ok || x.api == nil || !strings.EqualFold(sc.api, x.api.info.Id) && !strings.EqualFold(sc.api, x.api.info.Name) {
			continue
		}
		if sc.op != "" && (x.op == nil || !strings.EqualFold(sc.op, x.op.info.Id) && !strings.EqualFold(sc.op, x.op.info.Name)) {
			continue
		}
		var rem int
		ok, rem, retry = x.g.state.rateCheck("rl|"+sc.key+"|"+sub, now, sc.period, sc.calls, 1, true)
		remaining = min(remaining, rem)
	}
	return s.outcome(x, ok, remaining, retry)
}

// rateLimitByKeyStep is <rate-limit-by-key calls renewal-period
// counter-key increment-condition increment-count …> (Learn, "Limit call
// rate by key"): one counter per key value, "used for all scopes at which
// the policy is configured". Without increment-condition the call counts
// when the policy runs; with it, the condition is evaluated when the
// response is final (it may read context.Response) and the call counts
// then.
type rateLimitByKeyStep struct {
	limitCommon
	key  *value
	cond *value
	incr *value
}

func (c *compiler) rateLimitByKey(e *policy.Element) step {
	st := &rateLimitByKeyStep{limitCommon: c.limitCommon(e, "renewal-period"), key: c.requireAttr(e, "counter-key"),
		cond: c.attrValue(e, "increment-condition"), incr: c.attrValue(e, "increment-count")}
	if st.key == nil {
		return nil
	}
	return st
}

func (s *rateLimitByKeyStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	n := 1
	if s.incr != nil {
		if n, err = s.incr.integer(x); err != nil {
			return err
		}
	}
	key := "rlk|" + k
	now := x.g.now()
	ok, remaining, retry := x.g.state.rateCheck(key, now, s.period, s.calls, n, s.cond == nil)
	if ok && s.cond != nil {
		cond := s.cond
		x.after = append(x.after, func(x *exchange) {
			if b, err := cond.boolean(x); err == nil && b {
				x.g.state.rateAdd(key, x.g.now(), s.period, n)
			}
		})
	}
	return s.outcome(x, ok, remaining, retry)
}

// quotaStep is <quota> and <quota-by-key> (Learn, "Set usage quota by
// subscription" / "by key": calls and/or bandwidth in kilobytes per
// renewal-period, a fixed window; "When the quota is exceeded, the caller
// receives a 403 Forbidden response status code"). quota-by-key's periods
// start at first-period-start; quota's at the clock's zero
// (0001-01-01T00:00:00Z, quota-by-key's default). renewal-period 0 is one
// endless period.
type quotaStep struct {
	policy string
	id     string
	calls  int
	kb     int64
	period time.Duration
	start  time.Time
	scope  string
	key    *value // quota-by-key
	cond   *value
	incr   *value
}

func (c *compiler) quota(e *policy.Element) step {
	st := &quotaStep{policy: e.Name, id: policyID(e), calls: c.intAttr(e, "calls", 0), kb: int64(c.intAttr(e, "bandwidth", 0)),
		period: time.Duration(c.intAttr(e, "renewal-period", 0)) * time.Second, scope: e.Pos.String()}
	if st.calls <= 0 && st.kb <= 0 {
		c.fail(e.Pos, "<%s>: calls or bandwidth is required", e.Name)
	}
	if e.Attr("renewal-period") == nil {
		c.fail(e.Pos, "<%s>: attribute %q is required", e.Name, "renewal-period")
	}
	if e.Name == "quota-by-key" {
		if st.key = c.requireAttr(e, "counter-key"); st.key == nil {
			return nil
		}
		st.cond, st.incr = c.attrValue(e, "increment-condition"), c.attrValue(e, "increment-count")
		if fp := strings.TrimSpace(e.AttrValue("first-period-start", "")); fp != "" {
			t, err := time.Parse(time.RFC3339, fp)
			if err != nil {
				c.fail(e.Pos, "<quota-by-key>: first-period-start %q is not yyyy-MM-ddTHH:mm:ssZ", fp)
			}
			st.start = t
		}
	}
	if len(e.ChildrenNamed("api")) > 0 {
		c.fail(e.Pos, "<%s>: <api>/<operation> quotas are not emulated", e.Name)
	}
	return st
}

func (s *quotaStep) run(x *exchange) error {
	key := "q|" + s.scope + "|" + x.subscriptionKey()
	n := 1
	if s.key != nil {
		k, err := s.key.str(x)
		if err != nil {
			return err
		}
		key = "qk|" + k
		if s.incr != nil {
			if n, err = s.incr.integer(x); err != nil {
				return err
			}
		}
	}
	now := x.g.now()
	deferred := s.cond != nil || s.kb > 0
	ok, renew := x.g.state.quotaCheck(key, now, s.start, s.period, s.calls, s.kb, n, 0, !deferred)
	if !ok {
		what := "call volume"
		if s.calls <= 0 {
			what = "bandwidth"
		}
		msg := fmt.Sprintf("Out of %s quota.", what)
		if renew > 0 {
			r := renew.Round(time.Second)
			msg += fmt.Sprintf(" Quota will be replenished in %02d:%02d:%02d.", int(r.Hours()), int(r.Minutes())%60, int(r.Seconds())%60)
		}
		pe := perr(s.policy, ReasonQuota, http.StatusForbidden, "%s", msg)
		pe.PolicyID = s.id
		err := x.reject(pe)
		if renew > 0 {
			x.respHeader.Set("Retry-After", strconv.Itoa(seconds(renew)))
		}
		return err
	}
	if deferred {
		x.after = append(x.after, func(x *exchange) {
			count := n
			if s.cond != nil {
				if b, err := s.cond.boolean(x); err != nil || !b {
					count = 0
				}
			}
			var kb int64
			if s.kb > 0 {
				kb = (x.bodyBytes() + 1023) / 1024
			}
			x.g.state.quotaAdd(key, x.g.now(), s.start, s.period, count, kb)
		})
	}
	return nil
}

// bodyBytes is the size of the request and response bodies as far as the
// gateway knows them (buffered bodies, Content-Length).
func (x *exchange) bodyBytes() int64 {
	var n int64
	if x.hasBody {
		n += int64(len(x.body))
	} else if x.r.ContentLength > 0 {
		n += x.r.ContentLength
	}
	if x.respBody != nil {
		n += int64(len(x.respBody))
	} else if cl, err := strconv.ParseInt(x.respHeader.Get("Content-Length"), 10, 64); err == nil {
		n += cl
	}
	return n
}

// limitConcurrencyStep is <limit-concurrency key max-count> around child
// policies (Learn, "Limit concurrency": "prevents enclosed policies from
// executing by more than the specified number of requests at any time.
// When that number is exceeded, new requests fail immediately with the 429
// Too Many Requests status code").
type limitConcurrencyStep struct {
	key      *value
	max      int
	children []step
	id       string
}

func (c *compiler) limitConcurrency(e *policy.Element, s policy.Section, inResp bool) step {
	st := &limitConcurrencyStep{key: c.requireAttr(e, "key"), max: c.intAttr(e, "max-count", 0), id: policyID(e)}
	if st.key == nil {
		return nil
	}
	if st.max <= 0 {
		c.fail(e.Pos, "<limit-concurrency>: max-count must be a positive number")
	}
	st.children = c.steps(e.Children, s, inResp)
	return st
}

func (s *limitConcurrencyStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	k = "lc|" + k
	if !x.g.state.acquire(k, s.max) {
		pe := perr("limit-concurrency", ReasonConcurrency, http.StatusTooManyRequests, "Too many requests.")
		pe.PolicyID = s.id
		return x.reject(pe)
	}
	defer x.g.state.release(k)
	return runSteps(x, s.children)
}
