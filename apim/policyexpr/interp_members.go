package policyexpr

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// getMember reads v.name (a property, not a method call).
func getMember(fr *iframe, v any, name string, off int) (any, error) {
	switch x := v.(type) {
	case *Context:
		return contextMember(x, name)
	case typeVal:
		return staticProperty(fr, x.name, name)
	case *Request:
		switch name {
		case "Url":
			return x.Url, nil
		case "OriginalUrl":
			return x.OriginalUrl, nil
		case "Headers":
			return headersOf(x.Headers), nil
		case "MatchedParameters":
			if x.MatchedParameters == nil {
				return map[string]string{}, nil
			}
			return x.MatchedParameters, nil
		case "Body":
			return &bodyVal{fn: x.Body, consume: x.Consume}, nil
		case "Method":
			return x.Method, nil
		case "IpAddress":
			return x.IpAddress, nil
		case "Certificate":
			if x.Certificate == nil {
				return nil, nil
			}
			return x.Certificate, nil
		}
	case *Response:
		return responseMember(x, name)
	case Response:
		return responseMember(&x, name)
	case Url:
		switch name {
		case "Scheme":
			return x.Scheme, nil
		case "Host":
			return x.Host, nil
		case "Port":
			return x.Port, nil
		case "Path":
			return x.Path, nil
		case "Query":
			return queryDict{x.RawQuery}, nil
		case "QueryString":
			if x.RawQuery == "" {
				return "", nil
			}
			return "?" + x.RawQuery, nil
		}
	case *Deployment, *Gateway, *LastError, *Api, *Operation, *Product, *Subscription, *User:
		if strings.HasSuffix(name, "Key") && reflect.TypeOf(v).Elem().Name() == "Subscription" {
			return nil, fmt.Errorf("%w: context.Subscription.%s (subscription keys are secrets and are never exposed by the emulator)", errNotSupported, name)
		}
		if name == "Gateway" {
			if d, ok := v.(*Deployment); ok {
				return &d.Gateway, nil
			}
		}
		if d, ok := v.(*Deployment); ok && name == "Certificates" {
			return deploymentCertificates(d), nil
		}
		if name == "ServiceUrl" {
			if a, ok := v.(*Api); ok {
				return a.ServiceUrl, nil
			}
		}
		f := reflect.ValueOf(v).Elem().FieldByName(name)
		if f.IsValid() && f.CanInterface() {
			return f.Interface(), nil
		}
	case string:
		if name == "Length" {
			return utf16Len(x), nil
		}
	case []any:
		switch name {
		case "Length", "Count":
			return len(x), nil
		}
	case []byte:
		if name == "Length" {
			return len(x), nil
		}
	case *list:
		if name == "Count" {
			return len(x.items), nil
		}
	case *dict:
		switch name {
		case "Count":
			return len(x.keys), nil
		case "Keys":
			return append([]any(nil), x.keys...), nil
		case "Values":
			out := make([]any, len(x.keys))
			for i, k := range x.keys {
				out[i] = x.vals[k]
			}
			return out, nil
		}
	case *kvPair:
		switch name {
		case "Key":
			return x.key, nil
		case "Value":
			return x.val, nil
		}
	case http.Header:
		if name == "Count" {
			return len(x), nil
		}
	case map[string]string:
		if name == "Count" {
			return len(x), nil
		}
	case queryDict:
		if name == "Count" {
			return queryCount(x.raw), nil
		}
	case varsDict:
		if name == "Count" {
			return len(x.m), nil
		}
	case *jObject, *jArray, *jValue, *jProp:
		return jMember(v, name)
	case *xDoc, *xElem, *xAttr, xName:
		if r, ok := xmlMember(v, name); ok {
			return r, nil
		}
	case *Jwt:
		return jwtMember(x, name)
	case *Authorization:
		return authorizationMember(x, name)
	case *ClientCertificate:
		return certificateMember(x, name)
	case *x500Name:
		if name == "Name" {
			return x.name, nil
		}
	case *BasicAuthCredentials:
		switch name {
		case "UserId":
			return x.UserId, nil
		case "Password":
			return x.Password, nil
		}
	case time.Time:
		return dateMember(x, name)
	case dto:
		switch name {
		case "UtcDateTime", "DateTime", "LocalDateTime":
			return x.t, nil
		case "Offset":
			return time.Duration(0), nil
		}
		return dateMember(x.t, name)
	case time.Duration:
		return spanMember(x, name)
	case *uriVal:
		return uriMember(x, name)
	case *matchVal:
		switch name {
		case "Success":
			return x.success(), nil
		case "Value":
			return x.value(), nil
		case "Groups":
			return &groupsVal{x}, nil
		case "Index":
			if !x.success() {
				return 0, nil
			}
			return utf16Len(x.src[:x.idx[2*x.group]]), nil
		case "Length":
			return utf16Len(x.value()), nil
		}
	case *groupsVal:
		if name == "Count" {
			return x.m.re.NumSubexp() + 1, nil
		}
	case *exceptionVal:
		switch name {
		case "Message":
			return x.msg, nil
		}
	case *anonObj:
		for i, n := range x.names {
			if n == name {
				return x.vals[i], nil
			}
		}
	case *sbVal:
		if name == "Length" {
			return utf16Len(x.b.String()), nil
		}
	case *hashAlg:
		if name == "Key" {
			return x.key, nil
		}
	}
	return nil, fmt.Errorf("%w: member %s.%s is not emulated", errNotSupported, dotnetTypeName(v), name)
}

func headersOf(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}

// contextMember reads a member of context. Product, User and Subscription
// are null when the request has none (all their fields empty), and
// Response is null before the backend answered (status 0): the
// null-comparisons real policies make (context.Product == null,
// context.Response != null) then behave as on the gateway.
func contextMember(c *Context, name string) (any, error) {
	switch name {
	case "Request":
		return &c.Request, nil
	case "Response":
		if c.Response.StatusCode == 0 && c.Response.Headers == nil && c.Response.Body == nil {
			return nil, nil
		}
		return &c.Response, nil
	case "Variables":
		return varsDict{m: c.Variables, ctx: c}, nil
	case "Deployment":
		return &c.Deployment, nil
	case "LastError":
		return &c.LastError, nil
	case "Api":
		return &c.Api, nil
	case "Operation":
		return &c.Operation, nil
	case "Product":
		if c.Product == (Product{}) {
			return nil, nil
		}
		return &c.Product, nil
	case "Subscription":
		if c.Subscription == (Subscription{}) {
			return nil, nil
		}
		return &c.Subscription, nil
	case "User":
		if c.User == (User{}) {
			return nil, nil
		}
		return &c.User, nil
	case "RequestId":
		return guid(c.RequestId), nil
	case "Elapsed":
		return c.Elapsed, nil
	case "Timestamp":
		return c.Timestamp, nil
	case "Tracing":
		return c.Tracing, nil
	}
	return nil, fmt.Errorf("%w: context.%s is not emulated", errNotSupported, name)
}

func responseMember(r *Response, name string) (any, error) {
	switch name {
	case "StatusCode":
		return r.StatusCode, nil
	case "StatusReason":
		return r.StatusReason, nil
	case "Headers":
		return headersOf(r.Headers), nil
	case "Body":
		return &bodyVal{fn: r.Body, consume: r.Consume}, nil
	}
	return nil, fmt.Errorf("%w: IResponse.%s is not emulated", errNotSupported, name)
}

func jwtMember(j *Jwt, name string) (any, error) {
	switch name {
	case "Id":
		return j.Id, nil
	case "Algorithm":
		return j.Algorithm, nil
	case "Type":
		return j.Type, nil
	case "Issuer":
		return j.Issuer, nil
	case "Subject":
		return j.Subject, nil
	case "Audiences":
		return stringsToAny(j.Audiences), nil
	case "ExpirationTime", "NotBefore", "IssuedAt":
		var t *time.Time
		switch name {
		case "ExpirationTime":
			t = j.ExpirationTime
		case "NotBefore":
			t = j.NotBefore
		default:
			t = j.IssuedAt
		}
		if t == nil {
			return nil, nil
		}
		return *t, nil
	case "Claims":
		return j, nil // the claims dictionary: indexed and queried through the Jwt
	}
	return nil, fmt.Errorf("%w: Jwt.%s is not emulated", errNotSupported, name)
}

func dateMember(t time.Time, name string) (any, error) {
	if v, ok := datePart(t, name); ok {
		return v, nil
	}
	switch name {
	case "DayOfWeek":
		return enumVal{"DayOfWeek", t.Weekday().String()}, nil
	case "Date":
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case "Ticks":
		return dotnetTicks(t), nil
	case "TimeOfDay":
		y, m, d := t.Date()
		return t.Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)), nil
	}
	return nil, fmt.Errorf("%w: DateTime.%s is not emulated", errNotSupported, name)
}

// dotnetTicks counts 100 ns ticks since 0001-01-01.
func dotnetTicks(t time.Time) int64 {
	base := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int64(t.Sub(base).Hours() / 24) // avoid Duration overflow: count days
	dayStart := base.AddDate(0, 0, int(days))
	for dayStart.After(t) {
		days--
		dayStart = base.AddDate(0, 0, int(days))
	}
	return days*864_000_000_000 + int64(t.Sub(dayStart)/100)
}

func spanMember(d time.Duration, name string) (any, error) {
	if u, ok := spanUnits[strings.TrimPrefix(name, "Total")]; ok {
		if strings.HasPrefix(name, "Total") {
			return float64(d) / float64(u.d), nil
		}
		return int(int64(d/u.d) % int64(u.mod)), nil
	}
	if name == "Ticks" {
		return int64(d / 100), nil
	}
	return nil, fmt.Errorf("%w: TimeSpan.%s is not emulated", errNotSupported, name)
}

func uriMember(u *uriVal, name string) (any, error) {
	switch name {
	case "Host":
		return u.u.Hostname(), nil
	case "Scheme":
		return u.u.Scheme, nil
	case "AbsolutePath":
		if u.u.EscapedPath() == "" {
			return "/", nil
		}
		return u.u.EscapedPath(), nil
	case "AbsoluteUri", "OriginalString":
		return u.u.String(), nil
	case "Query":
		if u.u.RawQuery == "" {
			return "", nil
		}
		return "?" + u.u.RawQuery, nil
	case "PathAndQuery":
		p := u.u.EscapedPath()
		if p == "" {
			p = "/"
		}
		if u.u.RawQuery != "" {
			p += "?" + u.u.RawQuery
		}
		return p, nil
	case "Port":
		if p := u.u.Port(); p != "" {
			n, _ := parseInt(p)
			return n, nil
		}
		switch u.u.Scheme {
		case "https":
			return 443, nil
		case "http":
			return 80, nil
		}
		return -1, nil
	case "Authority":
		return u.u.Host, nil
	case "Fragment":
		if u.u.Fragment == "" {
			return "", nil
		}
		return "#" + u.u.EscapedFragment(), nil
	case "Segments":
		p := u.u.EscapedPath()
		if p == "" {
			p = "/"
		}
		var segs []any
		for len(p) > 0 {
			i := strings.IndexByte(p[1:], '/')
			if p == "/" || i < 0 {
				segs = append(segs, p)
				break
			}
			segs = append(segs, p[:i+2])
			p = p[i+2:]
		}
		return segs, nil
	}
	return nil, fmt.Errorf("%w: Uri.%s is not emulated", errNotSupported, name)
}

func jMember(v any, name string) (any, error) {
	switch name {
	case "Type":
		return enumVal{"JTokenType", jTokenType(v)}, nil
	case "HasValues":
		switch x := v.(type) {
		case *jObject:
			return len(x.keys) > 0, nil
		case *jArray:
			return len(x.items) > 0, nil
		case *jProp:
			return true, nil
		}
		return false, nil
	case "Count":
		switch x := v.(type) {
		case *jObject:
			return len(x.keys), nil
		case *jArray:
			return len(x.items), nil
		}
	case "First", "Last":
		items, err := enumerate(v)
		if err != nil || len(items) == 0 {
			return nil, nil
		}
		if name == "First" {
			return items[0], nil
		}
		return items[len(items)-1], nil
	case "Name":
		if p, ok := v.(*jProp); ok {
			return p.name, nil
		}
	case "Value":
		switch x := v.(type) {
		case *jProp:
			return x.val, nil
		case *jValue:
			return unwrapJ(x), nil
		}
	case "Root", "Parent":
		return nil, fmt.Errorf("%w: JToken.%s", errNotSupported, name)
	}
	return nil, fmt.Errorf("%w: %s.%s is not emulated", errNotSupported, jTypeName(v), name)
}

func jTypeName(v any) string {
	switch v.(type) {
	case *jObject:
		return "JObject"
	case *jArray:
		return "JArray"
	case *jProp:
		return "JProperty"
	}
	return "JValue"
}

// enumVal is an enum constant (StringComparison.Ordinal, Formatting.None, …).
type enumVal struct{ typ, name string }

func (e enumVal) String() string { return e.name }

// setMember assigns v.name = val (anonymous types are read-only; only
// JProperty.Value and a few settable members qualify).
func setMember(v any, name string, val any) error {
	switch x := v.(type) {
	case *jProp:
		if name == "Value" {
			t, err := toJToken(val)
			if err != nil {
				return err
			}
			x.val = t
			return nil
		}
	case *Response:
		switch name {
		case "StatusCode":
			if n, ok := val.(int); ok {
				x.StatusCode = n
				return nil
			}
		}
	}
	return fmt.Errorf("%w: assignment to %s.%s is not emulated", errNotSupported, dotnetTypeName(v), name)
}

// getIndex reads v[keys…].
func getIndex(v any, keys []any) (any, error) {
	if len(keys) != 1 {
		return nil, fmt.Errorf("%w: multi-dimensional index", errNotSupported)
	}
	k := unwrapJ(keys[0])
	switch x := v.(type) {
	case string:
		i, ok := k.(int)
		if !ok {
			return nil, castError(k, "System.Int32")
		}
		s, err := charAt(x, i)
		if err != nil {
			return nil, err
		}
		return char([]rune(s)[0]), nil
	case []any:
		i, ok := k.(int)
		if !ok {
			return nil, castError(k, "System.Int32")
		}
		if i < 0 || i >= len(x) {
			return nil, fmt.Errorf("%w: Index was outside the bounds of the array", errIndexRange)
		}
		return x[i], nil
	case []byte:
		i, ok := k.(int)
		if !ok {
			return nil, castError(k, "System.Int32")
		}
		if i < 0 || i >= len(x) {
			return nil, fmt.Errorf("%w: Index was outside the bounds of the array", errIndexRange)
		}
		return int(x[i]), nil
	case *list:
		i, ok := k.(int)
		if !ok {
			return nil, castError(k, "System.Int32")
		}
		if i < 0 || i >= len(x.items) {
			return nil, fmt.Errorf("%w: Index was out of range. Must be non-negative and less than the size of the collection", errArgRange)
		}
		return x.items[i], nil
	case *dict:
		if r, ok := x.vals[k]; ok {
			return r, nil
		}
		return nil, fmt.Errorf("%w: The given key '%s' was not present in the dictionary", errKeyNotFound, netString(k))
	case http.Header:
		name, _ := k.(string)
		vals, ok := headerValues(x, name)
		if !ok {
			return nil, keyNotFound("header", name)
		}
		return stringsToAny(vals), nil
	case queryDict:
		name, _ := k.(string)
		vals, ok := queryValues(x.raw, name)
		if !ok {
			return nil, keyNotFound("query parameter", name)
		}
		return stringsToAny(vals), nil
	case map[string]string:
		name, _ := k.(string)
		s, ok := matchedValue(x, name)
		if !ok {
			return nil, keyNotFound("parameter", name)
		}
		return s, nil
	case varsDict:
		name, _ := k.(string)
		r, ok := x.m[name]
		if !ok {
			return nil, keyNotFound("variable", name)
		}
		return importValue(r), nil
	case *Jwt:
		name, _ := k.(string)
		vals, ok := x.Claims[name]
		if !ok {
			return nil, keyNotFound("claim", name)
		}
		return stringsToAny(vals), nil
	case *jObject:
		switch key := k.(type) {
		case string:
			r, _ := x.get(key)
			return r, nil
		case nil:
			return nil, fmt.Errorf("%w: Value cannot be null. (Parameter 'propertyName')", errArgument)
		}
		return nil, fmt.Errorf("%w: Accessed JObject values with invalid key value: %s. Object property name expected", errArgument, netString(k))
	case *jArray:
		i, ok := k.(int)
		if !ok {
			return nil, fmt.Errorf("%w: Accessed JArray values with invalid key value: %q. Int32 array index expected", errArgument, netString(k))
		}
		if i < 0 || i >= len(x.items) {
			return nil, fmt.Errorf("%w: Index was out of range. Must be non-negative and less than the size of the collection", errArgRange)
		}
		return x.items[i], nil
	case *jValue:
		return nil, fmt.Errorf("%w: Cannot access child value on Newtonsoft.Json.Linq.JValue", errInvalidOp)
	case *jProp:
		return nil, fmt.Errorf("%w: Cannot access child value on Newtonsoft.Json.Linq.JProperty", errInvalidOp)
	case *groupsVal:
		switch key := k.(type) {
		case int:
			if key < 0 || key > x.m.re.NumSubexp() {
				return &matchVal{re: x.m.re, src: x.m.src}, nil
			}
			return &matchVal{re: x.m.re, src: x.m.src, idx: x.m.idx, group: key}, nil
		case string:
			i := x.m.re.SubexpIndex(key)
			if i < 0 {
				return &matchVal{re: x.m.re, src: x.m.src}, nil
			}
			return &matchVal{re: x.m.re, src: x.m.src, idx: x.m.idx, group: i}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s cannot be indexed", errNotSupported, dotnetTypeName(v))
}

// setIndex assigns v[keys…] = val.
func setIndex(fr *iframe, v any, keys []any, val any) error {
	if len(keys) != 1 {
		return fmt.Errorf("%w: multi-dimensional index", errNotSupported)
	}
	k := unwrapJ(keys[0])
	switch x := v.(type) {
	case *jObject:
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("%w: Set JObject values with invalid key value: %s. Object property name expected", errArgument, netString(k))
		}
		t, err := toJToken(val)
		if err != nil {
			return err
		}
		x.set(key, t)
		return nil
	case *jArray:
		i, ok := k.(int)
		if !ok || i < 0 || i >= len(x.items) {
			return fmt.Errorf("%w: Index was out of range", errArgRange)
		}
		t, err := toJToken(val)
		if err != nil {
			return err
		}
		x.items[i] = t
		return nil
	case []any:
		i, ok := k.(int)
		if !ok || i < 0 || i >= len(x) {
			return fmt.Errorf("%w: Index was outside the bounds of the array", errIndexRange)
		}
		x[i] = val
		return nil
	case []byte:
		i, ok := k.(int)
		n, ok2 := val.(int)
		if !ok || !ok2 || i < 0 || i >= len(x) {
			return fmt.Errorf("%w: Index was outside the bounds of the array", errIndexRange)
		}
		x[i] = byte(n)
		return nil
	case *list:
		i, ok := k.(int)
		if !ok || i < 0 || i >= len(x.items) {
			return fmt.Errorf("%w: Index was out of range", errArgRange)
		}
		x.items[i] = val
		return nil
	case *dict:
		x.set(k, val)
		return nil
	case varsDict:
		return fmt.Errorf("%w: context.Variables is read-only in expressions (use set-variable)", errNotSupported)
	}
	return fmt.Errorf("%w: %s cannot be assigned by index", errNotSupported, dotnetTypeName(v))
}
