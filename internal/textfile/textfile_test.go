package textfile

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

// encode16 writes s as UTF-16 with a byte order mark, with the standard
// library's unicode/utf16 (not the decoder under test).
func encode16(s string, order binary.AppendByteOrder) []byte {
	var b bytes.Buffer
	for _, u := range append([]uint16{0xfeff}, utf16.Encode([]rune(s))...) {
		b.Write(order.AppendUint16(nil, u))
	}
	return b.Bytes()
}

// TestDecode: UTF-16 with a byte order mark, little or big endian,
// becomes the UTF-8 text without the mark (non-ASCII and a character
// outside the BMP included); UTF-8, with or without its mark, and bytes
// too short to hold a mark pass through unchanged, ReadFile and NewReader
// alike.
func TestDecode(t *testing.T) {
	const text = "{\r\n  \"name\": \"ordérs 🚀\",\n  \"url\": \"https://a\"\n}\n"
	for _, tt := range []struct {
		name       string
		data, want []byte
	}{
		{"utf-16le", encode16(text, binary.LittleEndian), []byte(text)},
		{"utf-16be", encode16(text, binary.BigEndian), []byte(text)},
		{"utf-8", []byte(text), []byte(text)},
		{"utf-8 with mark", append([]byte("\xef\xbb\xbf"), text...), append([]byte("\xef\xbb\xbf"), text...)},
		{"empty", nil, nil},
		{"one byte", []byte("{"), []byte("{")},
		{"mark only", []byte{0xff, 0xfe}, nil},
	} {
		got, err := Decode(tt.data)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: Decode = %q, %v; want %q", tt.name, got, err, tt.want)
		}
		path := filepath.Join(t.TempDir(), "f.json")
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadFile(path); err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: ReadFile = %q, %v; want %q", tt.name, got, err, tt.want)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(f)
		if err != nil {
			t.Fatalf("%s: NewReader: %v", tt.name, err)
		}
		got, err = io.ReadAll(r)
		f.Close()
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("%s: NewReader read %q, %v; want %q", tt.name, got, err, tt.want)
		}
		if _, isFile := r.(*os.File); isFile != (tt.name != "utf-16le" && tt.name != "utf-16be" && tt.name != "mark only") {
			t.Errorf("%s: NewReader returned %T", tt.name, r)
		}
	}
}

// TestReadFileMissing: a file that cannot be read is the os error.
func TestReadFileMissing(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.json")); !os.IsNotExist(err) {
		t.Errorf("err = %v, want not exist", err)
	}
}
