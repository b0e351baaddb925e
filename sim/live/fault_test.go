package live

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	healthy := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	tests := []struct {
		name       string
		fault      Fault
		wantCode   int
		wantRA     string
		wantString string
	}{
		{"status 500", Status{Code: 500}, 500, "", "500"},
		{"status 503", Status{Code: 503}, 503, "", "503"},
		{"retry-after defaults to 429", RetryAfter{After: 90 * time.Second}, 429, "90", "429 Retry-After: 90"},
		{"retry-after 503 rounds down", RetryAfter{Code: 503, After: 2500 * time.Millisecond}, 503, "2", "503 Retry-After: 2"},
		{"latency 0 passes through", Latency{}, 200, "", "latency 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.fault.Wrap(healthy).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
			if got := rec.Code; got != tt.wantCode {
				t.Errorf("status = %d, want %d", got, tt.wantCode)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRA {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRA)
			}
			if got := tt.fault.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
		})
	}
}

func TestLatencyStopsWithTheRequest(t *testing.T) {
	called := false
	h := Latency{Delay: time.Hour}.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
	if called {
		t.Error("the healthy handler ran although the request ended during the delay")
	}
}

func TestValidateFault(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		ok    bool
	}{
		{"status ok", Status{Code: 500}, true},
		{"status 0", Status{}, false},
		{"status 600", Status{Code: 600}, false},
		{"retry-after ok", RetryAfter{After: time.Second}, true},
		{"retry-after negative", RetryAfter{After: -time.Second}, false},
		{"retry-after bad code", RetryAfter{Code: 99}, false},
		{"latency negative", Latency{Delay: -1}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateFault(tt.fault)
			if (err == nil) != tt.ok {
				t.Fatalf("validateFault(%#v) = %v, want ok=%t", tt.fault, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrScenario) {
				t.Errorf("error %v does not wrap ErrScenario", err)
			}
		})
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(start)
	c.Advance(time.Minute)
	c.Advance(-time.Hour) // ignored
	if got, want := c.Now(), start.Add(time.Minute); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}
