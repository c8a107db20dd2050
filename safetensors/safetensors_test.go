package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

type fixtureTensor struct {
	Shape  []int `json:"shape"`
	Values []any `json:"values"`
}

func loadFixture(t *testing.T, name string) map[string]fixtureTensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]fixtureTensor
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func fixtureValue(t *testing.T, v any) float32 {
	switch v := v.(type) {
	case float64:
		return float32(v)
	case string:
		switch v {
		case "inf":
			return float32(math.Inf(1))
		case "-inf":
			return float32(math.Inf(-1))
		case "nan":
			return float32(math.NaN())
		}
	}
	t.Fatalf("bad fixture value %v", v)
	return 0
}

// TestReadTorchFixture reads a file made with PyTorch holding every common
// dtype and checks each value against torch's own float32 conversion.
func TestReadTorchFixture(t *testing.T) {
	f, err := ReadFile(filepath.Join("testdata", "mixed.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	checkTorchFixture(t, f)
}

// OpenFile reads the same tensors from the file on demand; Float32Into
// fills a caller's slice.
func TestOpenFileTorchFixture(t *testing.T) {
	f, err := OpenFile(filepath.Join("testdata", "mixed.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	checkTorchFixture(t, f)
	mem, err := ReadFile(filepath.Join("testdata", "mixed.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range f.Names() {
		want, _, _ := mem.Float32(n)
		got := make([]float32, len(want))
		if err := f.Float32Into(n, got); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d] = %v, want %v", n, i, got[i], want[i])
			}
		}
		if err := f.Float32Into(n, make([]float32, len(want)+1)); err == nil || !strings.Contains(err.Error(), n) {
			t.Errorf("%s: Float32Into a slice of the wrong length: err = %v", n, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Float32Into("layer.weight", make([]float32, 12)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("after Close: err = %v", err)
	}
	if err := mem.Close(); err != nil {
		t.Errorf("Close of a File in memory: %v", err)
	}
}

func checkTorchFixture(t *testing.T, f *File) {
	t.Helper()
	want := loadFixture(t, "mixed.json")
	if got, w := f.Metadata, map[string]string{"format": "pt", "source": "gen_fixture.py <golem> & co"}; !mapsEqual(got, w) {
		t.Errorf("metadata = %v, want %v", got, w)
	}
	names := f.Names()
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("Names() = %v, want %v", names, wantNames)
	}
	dtypes := map[string]string{"layer.weight": "F32", "layer.bias": "F16", "half.special": "F16", "bf16.weight": "BF16",
		"bf16.special": "BF16", "double": "F64", "ids": "I64", "i32": "I32", "bytes": "U8", "mask": "BOOL", "scalar": "F32", "empty": "F32"}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			w := want[n]
			dt, shape, ok := f.Info(n)
			if !ok || dt != dtypes[n] || !slices.Equal(shape, w.Shape) {
				t.Fatalf("Info = %s %v %v, want %s %v", dt, shape, ok, dtypes[n], w.Shape)
			}
			vals, shape, err := f.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, w.Shape) || len(vals) != len(w.Values) {
				t.Fatalf("Float32 gave shape %v and %d values, want %v and %d", shape, len(vals), w.Shape, len(w.Values))
			}
			for i, v := range vals {
				// Exact: every conversion here is exact in float32 (F64
				// rounds once, as torch's .float() does).
				if e := fixtureValue(t, w.Values[i]); math.Float32bits(v) != math.Float32bits(e) {
					t.Errorf("[%d] = %v, want %v", i, v, e)
				}
			}
		})
	}
	if _, _, ok := f.Info("nope"); ok {
		t.Error("Info of a missing tensor says ok")
	}
	if _, _, err := f.Float32("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Float32 of a missing tensor: err = %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestWriteMatchesReference writes the tensors of f32.json and compares the
// bytes with the file the reference layout gives.
func TestWriteMatchesReference(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "f32.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	fx := loadFixture(t, "f32.json")
	var tensors []Tensor
	for _, n := range []string{"z", "wte", "a.long.name/with.dots", "b"} { // any order
		ft := fx[n]
		data := make([]float32, len(ft.Values))
		for i, v := range ft.Values {
			data[i] = fixtureValue(t, v)
		}
		tensors = append(tensors, Tensor{Name: n, Shape: ft.Shape, Data: data})
	}
	path := filepath.Join(t.TempDir(), "out.safetensors")
	if err := WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("written file differs from the reference:\n got %q\nwant %q", got[:min(len(got), 200)], want[:min(len(want), 200)])
	}
	if n := binary.LittleEndian.Uint64(got); n%8 != 0 {
		t.Errorf("header length %d not a multiple of 8", n)
	}
	// And it reads back.
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range tensors {
		v, s, err := f.Float32(tn.Name)
		if err != nil || !slices.Equal(s, tn.Shape) || !slices.Equal(v, tn.Data) {
			t.Errorf("%s: read back %v %v %v, want %v %v", tn.Name, v, s, err, tn.Data, tn.Shape)
		}
	}
}

func TestWriteRoundTripNoMetadata(t *testing.T) {
	var buf bytes.Buffer
	in := []Tensor{{Name: "x", Shape: []int{2, 2}, Data: []float32{1, -2, float32(math.Inf(1)), 4}}, {Name: "e", Shape: []int{0}, Data: nil}}
	if err := Write(&buf, in, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata != nil {
		t.Errorf("metadata = %v, want nil", f.Metadata)
	}
	if got := f.Names(); !slices.Equal(got, []string{"e", "x"}) {
		t.Errorf("names %v", got)
	}
	v, _, _ := f.Float32("x")
	if !slices.Equal(v, in[0].Data) {
		t.Errorf("x = %v", v)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		tensors []Tensor
		want    string
	}{
		{"shape", []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}, `"w": shape [2 3] holds 6 values but data has 5`},
		{"dup", []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}, {Name: "w", Shape: []int{1}, Data: []float32{1}}}, `"w": name repeated`},
		{"empty name", []Tensor{{Name: "", Shape: []int{}, Data: []float32{1}}}, `invalid name`},
		{"metadata name", []Tensor{{Name: "__metadata__", Shape: []int{}, Data: []float32{1}}}, `invalid name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			err := WriteFile(path, c.tensors, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming %s and containing %q", err, path, c.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("file exists after a failed write")
			}
		})
	}
}

// build makes a file from a raw header string and a buffer.
func build(header string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, buf...)
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "shorter than the 8-byte header length"},
		{"huge length", binary.LittleEndian.AppendUint64(nil, 1<<62), "exceeds the 104857600-byte limit"},
		{"length past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 exceeds the 2 bytes"},
		{"not object", build(`[]`, nil), "does not start with '{'"},
		{"bad json", build(`{"a":`, nil), "header JSON"},
		{"bad utf8", build("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"trailing", build(`{} x`, nil), "trailing data"},
		{"unknown dtype", build(`{"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": unknown dtype "F17"`},
		{"missing dtype", build(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": missing dtype`},
		{"missing shape", build(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": missing shape`},
		{"offsets arity", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, make([]byte, 4)), `tensor "w": data_offsets has 3 values`},
		{"negative dim", build(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": negative dimension`},
		{"size mismatch", build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "w": shape [2] of F32 needs 8 bytes but data_offsets [0, 4] give 4`},
		{"end before begin", build(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4)), `end before begin`},
		{"overflow", build(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)), `overflows`},
		{"beyond buffer", build(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4)), `beyond the 4-byte buffer`},
		{"gap", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), `leave a gap after byte 0`},
		{"overlap", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), `overlap`},
		{"uncovered tail", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)), `tensors cover 4 bytes but the buffer has 8`},
		{"duplicate", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `duplicate entry "w"`},
		{"metadata type", build(`{"__metadata__":{"a":1}}`, nil), `__metadata__`},
		{"tensor not object", build(`{"w":[1,2]}`, nil), `tensor "w"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want one naming the file and containing %q", err, c.want)
			}
			if _, err := OpenFile(path); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("OpenFile: err = %v, want one containing %q", err, c.want)
			}
			if _, err := Read(bytes.NewReader(c.file), int64(len(c.file))); err == nil {
				t.Fatal("Read accepted what ReadFile rejected")
			}
		})
	}
}

// TestReadLyingSize: Read trusts its caller's size only as far as the data
// go; a size far beyond the input gives an error, not a huge allocation.
func TestReadLyingSize(t *testing.T) {
	const claimed = 1 << 30
	file := build(`{"w":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, make([]byte, 16))
	hlen := int64(len(file)) - 16
	_, err := Read(bytes.NewReader(file), hlen+claimed)
	if err == nil || !strings.Contains(err.Error(), "tensor buffer") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadMissingFile(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.safetensors")); err == nil || !strings.Contains(err.Error(), "none.safetensors") {
		t.Fatalf("err = %v", err)
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "none.safetensors")); err == nil || !strings.Contains(err.Error(), "none.safetensors") {
		t.Fatalf("OpenFile: err = %v", err)
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	cases := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0400, 6.1035156e-05},
		{0x0001, 5.9604645e-08}, {0x03ff, 6.097555e-05}, {0x3555, 0.33325195}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := Float16ToFloat32(c.h); got != c.want {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if got := Float16ToFloat32(0x8000); math.Float32bits(got) != 0x80000000 {
		t.Errorf("-0 gave %v", got)
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("NaN gave %v", got)
	}
}

func TestFloat8(t *testing.T) {
	e4m3 := map[uint8]float32{0x00: 0, 0x38: 1, 0xb8: -1, 0x7e: 448, 0x01: 1.0 / 512, 0x08: 1.0 / 64, 0x3c: 1.5, 0x40: 2}
	for b, want := range e4m3 {
		if got := Float8E4M3ToFloat32(b); got != want {
			t.Errorf("E4M3 %#02x = %g, want %g", b, got, want)
		}
	}
	for _, b := range []uint8{0x7f, 0xff} {
		if got := Float8E4M3ToFloat32(b); !math.IsNaN(float64(got)) {
			t.Errorf("E4M3 %#02x = %g, want NaN", b, got)
		}
	}
	// F8_E5M2 through a file: 1, -2, 57344 (max), +Inf, 2^-16 (smallest subnormal).
	file := build(`{"e":{"dtype":"F8_E5M2","shape":[5],"data_offsets":[0,5]},"f":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[5,7]}}`,
		[]byte{0x3c, 0xc0, 0x7b, 0x7c, 0x01, 0x38, 0xfe})
	f, err := Read(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := f.Float32("e")
	want := []float32{1, -2, 57344, float32(math.Inf(1)), 1.0 / 65536}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("F8_E5M2 = %v, %v; want %v", got, err, want)
	}
	got, _, err = f.Float32("f")
	if err != nil || !slices.Equal(got, []float32{1, -448}) {
		t.Errorf("F8_E4M3 = %v, %v", got, err)
	}
}

// TestHostileAllocation reads inputs whose header claims far more than they
// hold and checks that Read allocates in proportion to the input, not to
// the claims.
func TestHostileAllocation(t *testing.T) {
	inputs := [][]byte{
		binary.LittleEndian.AppendUint64(nil, 1<<62),
		binary.LittleEndian.AppendUint64(nil, MaxHeaderSize),
		build(`{"w":{"dtype":"F64","shape":[1000000000000],"data_offsets":[0,8000000000000]}}`, nil),
		build(`{"w":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, make([]byte, 8)),
		build(`{"w":{"dtype":"F32","shape":[2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2],"data_offsets":[0,4]}}`, make([]byte, 4)),
	}
	for i, in := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(in), int64(len(in)))
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("input %d accepted", i)
		}
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(in)+16<<10); got > limit {
			t.Errorf("input %d (%d bytes): allocated %d bytes, limit %d", i, len(in), got, limit)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"mixed.safetensors", "f32.safetensors"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(build(`{"__metadata__":{"a":"b"}}`, nil))
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<62))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		total := 0
		for _, n := range file.Names() {
			dt, shape, ok := file.Info(n)
			if !ok {
				t.Fatalf("Info(%q) not ok", n)
			}
			v, s, err := file.Float32(n)
			if err != nil {
				t.Fatalf("Float32(%q) of %s: %v", n, dt, err)
			}
			if !slices.Equal(s, shape) {
				t.Fatalf("shape mismatch")
			}
			total += len(v)
		}
		if total > len(b) {
			t.Fatalf("%d values from %d bytes", total, len(b))
		}
	})
}

func BenchmarkReadFloat32(b *testing.B) {
	const n = 1 << 22 // 16 MiB of F32
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i) * 0.5
	}
	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{{Name: "w", Shape: []int{n}, Data: data}}, nil); err != nil {
		b.Fatal(err)
	}
	raw := buf.Bytes()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		f, err := Read(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			b.Fatal(err)
		}
		if v, _, _ := f.Float32("w"); v[n-1] != data[n-1] {
			b.Fatal("wrong value")
		}
	}
}

// TestReadLarge reads a buffer bigger than one growth chunk through Read
// (untrusted size), so the chunked path must deliver every byte.
func TestReadLarge(t *testing.T) {
	const n = 4<<20 + 3 // 16 MiB + 12 bytes of F32
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(i % 1001)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{{Name: "big", Shape: []int{n}, Data: data}, {Name: "tail", Shape: []int{2}, Data: []float32{7, 8}}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := f.Float32("big")
	if err != nil || !slices.Equal(got, data) {
		t.Fatalf("big tensor differs (err %v)", err)
	}
	if tail, _, _ := f.Float32("tail"); !slices.Equal(tail, []float32{7, 8}) {
		t.Fatalf("tail = %v", tail)
	}
}
