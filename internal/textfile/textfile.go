// Package textfile reads configuration files as UTF-8 text whatever
// Unicode encoding they were saved in: a file that starts with a UTF-16
// byte order mark (what Windows PowerShell 5 writes for
// `az apim backend list > backends.json`, and Notepad's "Unicode") is
// decoded to UTF-8 without its mark; anything else is passed through
// byte for byte, a UTF-8 byte order mark included (the JSON parser skips
// it). The Azure CLI reads templates in UTF-8 and UTF-16, so apimlab
// reads both rather than reporting a UTF-16 file as malformed.
//
// Positions in a decoded file are those of its UTF-8 text: the lines are
// the file's, and columns count the bytes of the decoded line, as the
// printers that quote it (reading it through this package too) count them.
package textfile

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decoder returns the UTF-16 decoder the first bytes of a file call for
// (their byte order mark), or nil when they have none.
func decoder(prefix []byte) transform.Transformer {
	switch {
	case bytes.HasPrefix(prefix, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(prefix, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	}
	return nil
}

// Decode returns data as UTF-8 text (data itself unless it starts with a
// UTF-16 byte order mark).
func Decode(data []byte) ([]byte, error) {
	t := decoder(data)
	if t == nil {
		return data, nil
	}
	out, _, err := transform.Bytes(t, data)
	return out, err
}

// ReadFile reads the named file as UTF-8 text (Decode).
func ReadFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Decode(data)
}

// NewReader returns a reader of r's bytes as UTF-8 text: r itself (an
// *os.File stays one, so callers can still stat it) unless it starts with
// a UTF-16 byte order mark, which it peeks at; then a decoding reader.
func NewReader(r io.ReadSeeker) (io.Reader, error) {
	var prefix [2]byte
	n, err := io.ReadFull(r, prefix[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	t := decoder(prefix[:n])
	if t == nil {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return r, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return transform.NewReader(bufio.NewReader(r), t), nil
}
