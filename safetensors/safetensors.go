package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/golemml/golem/internal/lfs"
)

// littleEndian reports whether this machine stores numbers as the format
// does, so F32 data can be copied without conversion.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// MaxHeaderSize is the largest JSON header accepted (100 MB, as the
// reference implementation).
const MaxHeaderSize = 100 << 20

// dtypeSize gives the byte size of each known dtype.
var dtypeSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

type entry struct {
	dtype      string
	shape      []int
	begin, end int64
}

// File is a parsed safetensors file: with its data in memory (ReadFile,
// Read), or read tensor by tensor from the open file (OpenFile).
type File struct {
	// Metadata is the header's "__metadata__" map (nil when absent).
	Metadata map[string]string

	name    string // for error messages
	tensors map[string]entry
	data    []byte // the tensor buffer, when in memory

	// OpenFile's: the file and the offset of its tensor buffer.
	fh   *os.File
	base int64
}

// OpenFile opens the safetensors file at path and reads and checks its
// header, as ReadFile does, but leaves the tensors on disk: each is read
// when asked for, so a checkpoint can be loaded straight into its model's
// memory (Float32Into) without first holding the whole file. Close the
// File when done.
func OpenFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, n, err := readHeader(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.fh, f.base = fh, 8+int64(n)
	return f, nil
}

// Close closes the file OpenFile opened; for a File in memory it does
// nothing.
func (f *File) Close() error {
	if f.fh == nil {
		return nil
	}
	err := f.fh.Close()
	f.fh = nil
	return err
}

// ReadFile reads and validates the safetensors file at path.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return read(fh, st.Size(), path, true)
}

// Read reads and validates a safetensors file of size bytes from r.
func Read(r io.ReaderAt, size int64) (*File, error) {
	return read(r, size, "safetensors input", false)
}

func read(r io.ReaderAt, size int64, name string, trusted bool) (*File, error) {
	f, n, err := readHeader(r, size, name)
	if err != nil {
		return nil, err
	}
	dataLen := size - 8 - int64(n)
	data, err := readData(r, 8+int64(n), dataLen, trusted)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: reading the %d-byte tensor buffer: %v", name, dataLen, err)
	}
	f.data = data
	return f, nil
}

// readHeader reads, parses and checks the header of a file of size bytes,
// returning the File without its data and the header's length.
func readHeader(r io.ReaderAt, size int64, name string) (*File, uint64, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %s: %s", name, fmt.Sprintf(format, args...))
	}
	if size < 8 {
		return nil, 0, fail("file is %d bytes, shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if k, err := r.ReadAt(lenBuf[:], 0); k != len(lenBuf) {
		return nil, 0, fail("reading header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) && lfs.IsPointer(r) {
		return nil, 0, fail("%s", lfs.Hint)
	}
	if n > MaxHeaderSize {
		return nil, 0, fail("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, 0, fail("header length %d exceeds the %d bytes after the length field", n, size-8)
	}
	header := make([]byte, n)
	if n > 0 {
		if k, err := r.ReadAt(header, 8); k != len(header) {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, fail("reading the %d-byte header: %v", n, err)
		}
	}
	f := &File{name: name, tensors: map[string]entry{}}
	if err := f.parseHeader(header); err != nil {
		return nil, 0, fail("%v", err)
	}
	if err := f.validate(size - 8 - int64(n)); err != nil {
		return nil, 0, fail("%v", err)
	}
	return f, n, nil
}

// readData reads n bytes at off. When the size was not checked against the
// file (Read's caller gave it), large buffers grow as data arrive, so a
// wrong size cannot force a huge allocation up front.
func readData(r io.ReaderAt, off, n int64, trusted bool) ([]byte, error) {
	const chunk = 16 << 20
	if trusted || n <= chunk {
		buf := make([]byte, n)
		if k, err := r.ReadAt(buf, off); int64(k) != n {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
	buf := make([]byte, 0, chunk)
	for int64(len(buf)) < n {
		m := min(n-int64(len(buf)), chunk)
		start := len(buf)
		buf = slices.Grow(buf, int(m))[:start+int(m)]
		if k, err := r.ReadAt(buf[start:], off+int64(start)); int64(k) != m {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

type rawInfo struct {
	Dtype       *string  `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

func (f *File) parseHeader(h []byte) error {
	if !utf8.Valid(h) {
		return errors.New("header is not valid UTF-8")
	}
	if len(h) == 0 || h[0] != '{' {
		return errors.New("header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("header JSON: %v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("header JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("header JSON: expected a key, got %v", tok)
		}
		if seen[key] {
			return fmt.Errorf("header: duplicate entry %q", key)
		}
		seen[key] = true
		if key == "__metadata__" {
			var md map[string]string
			if err := dec.Decode(&md); err != nil {
				return fmt.Errorf("header __metadata__: must be a map of strings to strings: %v", err)
			}
			f.Metadata = md
			continue
		}
		var ri rawInfo
		if err := dec.Decode(&ri); err != nil {
			return fmt.Errorf("tensor %q: header JSON: %v", key, err)
		}
		e, err := checkInfo(key, ri)
		if err != nil {
			return err
		}
		f.tensors[key] = e
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("header JSON: %v", err)
	}
	// Only whitespace may follow the object (the writer pads with spaces).
	if strings.TrimLeft(string(h[dec.InputOffset():]), " \t\r\n") != "" {
		return errors.New("header JSON: trailing data after the object")
	}
	return nil
}

func checkInfo(name string, ri rawInfo) (entry, error) {
	if ri.Dtype == nil {
		return entry{}, fmt.Errorf("tensor %q: missing dtype", name)
	}
	size, ok := dtypeSize[*ri.Dtype]
	if !ok {
		return entry{}, fmt.Errorf("tensor %q: unknown dtype %q", name, *ri.Dtype)
	}
	if ri.Shape == nil {
		return entry{}, fmt.Errorf("tensor %q: missing shape", name)
	}
	if len(ri.DataOffsets) != 2 {
		return entry{}, fmt.Errorf("tensor %q: data_offsets has %d values, want [begin, end]", name, len(ri.DataOffsets))
	}
	b, e := ri.DataOffsets[0], ri.DataOffsets[1]
	if e < b {
		return entry{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before begin", name, b, e)
	}
	shape := make([]int, len(ri.Shape))
	nel := uint64(1)
	for i, d := range ri.Shape {
		if d < 0 {
			return entry{}, fmt.Errorf("tensor %q: negative dimension %d in shape %v", name, d, ri.Shape)
		}
		if uint64(d) > math.MaxInt {
			return entry{}, fmt.Errorf("tensor %q: dimension %d in shape %v too large", name, d, ri.Shape)
		}
		shape[i] = int(d)
		if d != 0 && nel > math.MaxInt64/uint64(d) {
			return entry{}, fmt.Errorf("tensor %q: shape %v overflows", name, ri.Shape)
		}
		nel *= uint64(d)
	}
	if nel > math.MaxInt64/uint64(size) || nel*uint64(size) != e-b {
		return entry{}, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes but data_offsets [%d, %d] give %d",
			name, shape, *ri.Dtype, nel*uint64(size), b, e, e-b)
	}
	if e > math.MaxInt64 {
		return entry{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] out of range", name, b, e)
	}
	return entry{dtype: *ri.Dtype, shape: shape, begin: int64(b), end: int64(e)}, nil
}

// validate checks that the tensors tile the byte buffer exactly.
func (f *File) validate(dataLen int64) error {
	names := f.Names()
	sort.SliceStable(names, func(i, j int) bool {
		a, b := f.tensors[names[i]], f.tensors[names[j]]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		return a.end < b.end
	})
	var pos int64
	for _, n := range names {
		e := f.tensors[n]
		if e.begin != pos {
			if e.begin < pos {
				return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor ending at %d", n, e.begin, e.end, pos)
			}
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after byte %d", n, e.begin, e.end, pos)
		}
		if e.end > dataLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] beyond the %d-byte buffer", n, e.begin, e.end, dataLen)
		}
		pos = e.end
	}
	if pos != dataLen {
		return fmt.Errorf("tensors cover %d bytes but the buffer has %d", pos, dataLen)
	}
	return nil
}

// Names returns the tensor names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.tensors))
	for n := range f.tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Info returns a tensor's dtype and shape.
func (f *File) Info(name string) (dtype string, shape []int, ok bool) {
	e, ok := f.tensors[name]
	if !ok {
		return "", nil, false
	}
	return e.dtype, append([]int(nil), e.shape...), true
}

// Raw returns a tensor's dtype, shape and bytes (little-endian, row-major).
// For a File in memory the bytes alias its buffer; do not modify them.
func (f *File) Raw(name string) (dtype string, shape []int, data []byte, err error) {
	e, ok := f.tensors[name]
	if !ok {
		return "", nil, nil, fmt.Errorf("safetensors: %s: no tensor %q", f.name, name)
	}
	if f.data != nil {
		return e.dtype, append([]int(nil), e.shape...), f.data[e.begin:e.end], nil
	}
	b := make([]byte, e.end-e.begin)
	if err := f.readAt(b, e); err != nil {
		return "", nil, nil, err
	}
	return e.dtype, append([]int(nil), e.shape...), b, nil
}

// readAt reads the bytes of tensor e from the open file into b.
func (f *File) readAt(b []byte, e entry) error {
	if f.fh == nil {
		return fmt.Errorf("safetensors: %s: file is closed", f.name)
	}
	if k, err := f.fh.ReadAt(b, f.base+e.begin); k != len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("safetensors: %s: reading tensor data [%d, %d): %v", f.name, e.begin, e.end, err)
	}
	return nil
}

// Float32 returns a tensor's values converted to float32 and its shape.
// Every dtype is converted: F32, F16, BF16, F64, the 8-bit floats
// (F8_E4M3 is PyTorch's float8_e4m3fn, F8_E5M2 float8_e5m2), the integer
// types and BOOL (0 or 1); 64-bit integers beyond 2^24 round.
func (f *File) Float32(name string) ([]float32, []int, error) {
	e, ok := f.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("safetensors: %s: no tensor %q", f.name, name)
	}
	out := make([]float32, (e.end-e.begin)/int64(dtypeSize[e.dtype]))
	if err := f.Float32Into(name, out); err != nil {
		return nil, nil, err
	}
	return out, append([]int(nil), e.shape...), nil
}

// Float32Into converts a tensor's values to float32 as Float32 does, into
// dst, which must hold exactly its number of elements. From an OpenFile
// File, F32 data is read straight into dst.
func (f *File) Float32Into(name string, dst []float32) error {
	e, ok := f.tensors[name]
	if !ok {
		return fmt.Errorf("safetensors: %s: no tensor %q", f.name, name)
	}
	if n := (e.end - e.begin) / int64(dtypeSize[e.dtype]); int64(len(dst)) != n {
		return fmt.Errorf("safetensors: %s: tensor %q has %d elements, not %d", f.name, name, n, len(dst))
	}
	if f.data == nil && e.dtype == "F32" && littleEndian && len(dst) > 0 {
		return f.readAt(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), e)
	}
	_, _, b, err := f.Raw(name)
	if err != nil {
		return err
	}
	if err := DecodeFloat32(e.dtype, b, dst); err != nil {
		return fmt.Errorf("safetensors: %s: tensor %q: %v", f.name, name, err)
	}
	return nil
}

// DtypeSize returns the size in bytes of one element of a safetensors dtype
// (F32, F16, BF16, I64, BOOL, ...), or 0 for a name it does not know.
func DtypeSize(dtype string) int { return dtypeSize[dtype] }

// DecodeFloat32 converts the little-endian, row-major values of dtype in b
// to float32 into dst, which must hold len(b)/DtypeSize(dtype) elements:
// every dtype converts as Float32 describes. Readers of other checkpoint
// formats (package torchsave) share it.
func DecodeFloat32(dtype string, b []byte, dst []float32) error {
	size := dtypeSize[dtype]
	if size == 0 {
		return fmt.Errorf("cannot convert dtype %s to float32", dtype)
	}
	if len(b) != size*len(dst) {
		return fmt.Errorf("%d bytes of %s do not fill %d elements", len(b), dtype, len(dst))
	}
	out := dst
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		if littleEndian && len(out) > 0 {
			// Same layout: one memory copy.
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(b)), b)
			break
		}
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = Float16ToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "BOOL", "U8":
		for i := range out {
			out[i] = float32(b[i])
		}
	case "I8":
		for i := range out {
			out[i] = float32(int8(b[i]))
		}
	case "I16":
		for i := range out {
			out[i] = float32(int16(le.Uint16(b[2*i:])))
		}
	case "U16":
		for i := range out {
			out[i] = float32(le.Uint16(b[2*i:]))
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case "U32":
		for i := range out {
			out[i] = float32(le.Uint32(b[4*i:]))
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case "U64":
		for i := range out {
			out[i] = float32(le.Uint64(b[8*i:]))
		}
	case "F8_E4M3":
		for i := range out {
			out[i] = Float8E4M3ToFloat32(b[i])
		}
	case "F8_E5M2":
		for i := range out {
			out[i] = Float16ToFloat32(uint16(b[i]) << 8)
		}
	default:
		return fmt.Errorf("cannot convert dtype %s to float32", dtype)
	}
	return nil
}

// Float8E4M3ToFloat32 converts an 8-bit float with 4 exponent bits (bias 7)
// and 3 mantissa bits, no infinities and NaN at S.1111.111 (PyTorch's
// float8_e4m3fn, the safetensors F8_E4M3 dtype), exactly.
func Float8E4M3ToFloat32(b uint8) float32 {
	exp := int(b>>3) & 0xf
	mant := float32(b & 7)
	var v float32
	switch {
	case exp == 0xf && b&7 == 7:
		v = float32(math.NaN())
	case exp == 0:
		v = mant / 512 // subnormal: mant × 2^-9
	default:
		v = (1 + mant/8) * float32(math.Ldexp(1, exp-7))
	}
	if b&0x80 != 0 {
		v = -v
	}
	return v
}

// Float16ToFloat32 converts an IEEE 754 half-precision value (as bits) to
// float32 exactly, including subnormals, infinities and NaN.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal: value = mant × 2^-24.
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}
