package gateway

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// TestBufferResponse: forward-request buffer-response (Learn, "Forward
// request": "When set to true, chunks are buffered (8 KB, unless end of
// stream is detected) and only then returned to the caller. Set to false
// with backends such as those implementing server-sent events"). The
// backend sends a first chunk, flushes, and waits until the test releases
// it: with "false" the client reads the chunk meanwhile; with the default
// nothing arrives until 8 KB are held or the stream ends.
func TestBufferResponse(t *testing.T) {
	for _, tt := range []struct {
		name, attr string
		first      int  // bytes of the first chunk
		early      bool // the client gets them before the backend ends
	}{
		{"false streams each chunk", ` buffer-response="false"`, 9, true},
		{"default holds a small chunk", ``, 9, false},
		{"true holds a small chunk", ` buffer-response="true"`, 9, false},
		{"default passes 8 KB on", ``, 9000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "data: 1\n\n"+strings.Repeat("x", tt.first-9))
				w.(http.Flusher).Flush()
				<-release
				_, _ = io.WriteString(w, "data: 2\n\n")
			}))
			defer be.Close()
			defer func() {
				select {
				case <-release:
				default:
					close(release)
				}
			}()
			a := &apim.API{Name: "sse", Path: known("sse"), ServiceURL: known(be.URL),
				Policy: doc(apim.ScopeAPI, `<policies><inbound><base /></inbound><backend><forward-request`+tt.attr+` /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)}
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
			resp, err := testClient.Get(front.URL + "/sse/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := make(chan string, 1)
			go func() {
				line, _ := bufio.NewReader(resp.Body).ReadString('\n')
				got <- line
			}()
			wait := 300 * time.Millisecond // long enough for a held chunk to show
			if tt.early {
				wait = 10 * time.Second // bound only: the chunk comes at once
			}
			select {
			case line := <-got:
				if !tt.early {
					t.Fatalf("got %q before the backend ended: the chunk was not held", line)
				}
				if line != "data: 1\n" {
					t.Fatalf("first line %q", line)
				}
				close(release)
			case <-time.After(wait):
				if tt.early {
					t.Fatal("no chunk while the backend waits: it was held")
				}
				close(release)
				if line := <-got; line != "data: 1\n" {
					t.Fatalf("after the end: %q", line)
				}
			}
		})
	}
}

// TestBufferResponseInvalid: a value other than true or false is refused
// at load with its position.
func TestBufferResponseInvalid(t *testing.T) {
	a := &apim.API{Name: "sse", Path: known("sse"), ServiceURL: known("http://127.0.0.1:1"),
		Policy: doc(apim.ScopeAPI, `<policies><inbound><base /></inbound><backend><forward-request buffer-response="sometimes" /></backend><outbound /><on-error /></policies>`)}
	_, err := New(&apim.Service{APIs: []*apim.API{a}}, Options{})
	if err == nil || !strings.Contains(err.Error(), `buffer-response "sometimes" is not true or false`) || !strings.Contains(err.Error(), "api.xml:1:") {
		t.Fatalf("err = %v", err)
	}
}
