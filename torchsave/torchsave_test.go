package torchsave

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type want struct {
	Dtype  string    `json:"dtype"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

func loadWant(t *testing.T) map[string]want {
	b, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]want
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCases reads one state dict as PyTorch wrote it in both formats, and
// with pickle protocol 4 (testdata/gen_cases.py): every dtype, views that
// share a storage (transposed, narrowed, a strided column), a scalar, a
// Parameter, an empty tensor, and plain values beside them, which are
// skipped.
func TestCases(t *testing.T) {
	ws := loadWant(t)
	order := []string{"f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool",
		"base", "transposed", "narrow", "column", "scalar", "param", "empty"}
	for _, file := range []string{"cases_zip.pt", "cases_legacy.pt", "cases_p4.pt"} {
		f, err := Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got := f.Names(); !slices.Equal(got, order) {
			t.Errorf("%s: names %v, want %v", file, got, order)
		}
		for _, name := range order {
			w := ws[name]
			dtype, shape, ok := f.Info(name)
			if !ok || dtype != w.Dtype || !slices.Equal(shape, w.Shape) {
				t.Errorf("%s: %s: info %s %v %v, want %s %v", file, name, dtype, shape, ok, w.Dtype, w.Shape)
				continue
			}
			got, _, err := f.Float32(name)
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			if len(got) != len(w.Values) {
				t.Errorf("%s: %s: %d values, want %d", file, name, len(got), len(w.Values))
				continue
			}
			for i, v := range w.Values {
				if float32(v) != got[i] {
					t.Errorf("%s: %s[%d] = %v, want %v", file, name, i, got[i], float32(v))
					break
				}
			}
		}
		if _, _, err := f.Float32("step"); err == nil || !strings.Contains(err.Error(), `no tensor "step"`) {
			t.Errorf("%s: a plain value read as a tensor: %v", file, err)
		}
		if err := f.Float32Into("f32", make([]float32, 5)); err == nil || !strings.Contains(err.Error(), "has 12 elements, not 5") {
			t.Errorf("%s: wrong destination size: %v", file, err)
		}
		f.Close()
	}
}

// rezip rewrites testdata/cases_zip.pt with edit applied to each record
// (by name), compressing the records whose names end in deflate (if not
// empty), and returns the new file's path.
func rezip(t *testing.T, deflate string, edit func(name string, data []byte) (string, []byte)) string {
	zr, err := zip.OpenReader("testdata/cases_zip.pt")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range zr.File {
		rc, err := r.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		name, data := edit(r.Name, data)
		if name == "" {
			continue
		}
		method := zip.Store
		if deflate != "" && strings.HasSuffix(name, deflate) {
			method = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "edited.pt")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestErrors: damaged or foreign files get an error naming the problem.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	legacy, err := os.ReadFile("testdata/cases_legacy.pt")
	if err != nil {
		t.Fatal(err)
	}
	// A pickle of os.system("echo hi"), as a malicious file would hold.
	evil := []byte("\x80\x02cos\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03.")
	cases := []struct {
		name, path, want string
	}{
		{"text", write("text.pt", []byte("hello, world")), "not a torch.save file"},
		{"empty", write("empty.pt", nil), "too short"},
		{"truncated legacy", write("trunc.pt", legacy[:len(legacy)-10]), "past the end of the file"},
		{"truncated pickle", write("trunc2.pt", legacy[:500]), "runs past the end of the pickle"},
		{"evil global", write("evil.pt", evil), "Python global os.system"},
		{"missing storage record", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "/data/3") {
				return "", nil
			}
			return n, d
		}), `storage "3" has no record cases_zip/data/3`},
		{"short storage record", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "/data/0") {
				return n, d[:20]
			}
			return n, d
		}), `storage "0": 12 F32 elements need 48 bytes, its record has 20`},
		{"no data.pkl", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "data.pkl") {
				return "", nil
			}
			return n, d
		}), "no <archive>/data.pkl"},
		{"big endian", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "/version") {
				return "cases_zip/byteorder", []byte("big")
			}
			return n, d
		}), `byteorder "big"`},
		{"too many elements", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "data.pkl") {
				// "scalar" (offset 0, size (), stride ()) becomes a view of
				// size (2^30, 2^30) with strides (0, 0), as torch.save writes
				// an expanded tensor.
				i := bytes.Index(d, []byte("scalar"))
				j := i + bytes.Index(d[i:], []byte("QK\x00))"))
				var out []byte
				out = append(out, d[:j+3]...)
				out = append(out, "J\x00\x00\x00\x40J\x00\x00\x00\x40\x86K\x00K\x00\x86"...)
				out = append(out, d[j+5:]...)
				return n, out
			}
			return n, d
		}), "more than 2^40 elements"},
		{"compressed storage", rezip(t, "/data/2", func(n string, d []byte) (string, []byte) { return n, d }), "cases_zip/data/2 is compressed"},
		{"torchscript", rezip(t, "", func(n string, d []byte) (string, []byte) {
			if strings.HasSuffix(n, "/version") {
				return "cases_zip/constants.pkl", d
			}
			return n, d
		}), "TorchScript"},
	}
	for _, c := range cases {
		f, err := Open(c.path)
		if err == nil {
			f.Close()
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: error %q, want it to name %q and the file", c.name, err, c.want)
		}
	}
}

// FuzzOpen: no input makes Open or reading a tensor panic or allocate
// without bound; either it fails with an error or every tensor reads.
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"cases_zip.pt", "cases_legacy.pt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(bytes.NewReader(b), int64(len(b)), "fuzz.pt")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.pt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer file.Close()
		for _, name := range file.Names() {
			_, shape, _ := file.Info(name)
			n := 1
			for _, d := range shape {
				n *= d
			}
			if n > 1<<20 {
				continue // valid but large: not worth allocating here
			}
			file.Float32(name)
		}
	})
}
