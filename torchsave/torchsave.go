package torchsave

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path"
	"strings"
	"unsafe"

	"github.com/golemml/golem/internal/lfs"
	"github.com/golemml/golem/safetensors"
)

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// File is an open torch.save file. Its tensors' values stay on disk until
// Float32Into reads them.
type File struct {
	name    string // the path, for errors
	fh      io.ReaderAt
	closer  io.Closer // the file Open opened; nil from Read
	size    int64
	prefix  string // the zip format's record folder, "archive/"
	names   []string
	tensors map[string]*tensorRef
}

// tensorRef is one tensor: a strided view of a storage.
type tensorRef struct {
	st     *storage
	offset int64 // in elements, from the storage's start
	shape  []int
	stride []int
}

// storage is a typed, flat array in the file.
type storage struct {
	dtype string
	key   string
	numel int64
	at    int64 // byte offset of its data: its zip record's, or the legacy data's
	base  int64 // a legacy view's first element within its root storage
}

// maxElems bounds a tensor's element count (a view may repeat its
// storage's elements with zero strides, so the file's size does not).
const maxElems = 1 << 40

// check verifies that every element the view reaches lies in its storage,
// and that its element count is sane.
func (t *tensorRef) check() error {
	n := int64(1)
	for _, d := range t.shape {
		if d != 0 && n > maxElems/int64(d) {
			return fmt.Errorf("tensor of size %v has more than 2^40 elements", t.shape)
		}
		n *= int64(d)
	}
	last := t.offset
	for i, n := range t.shape {
		if n == 0 {
			return nil // empty: reaches nothing
		}
		if t.stride[i] != 0 && int64(n-1) > (math.MaxInt64/4-last)/int64(t.stride[i]) {
			return fmt.Errorf("tensor of size %v and stride %v overflows", t.shape, t.stride)
		}
		last += int64(n-1) * int64(t.stride[i])
	}
	if last >= t.st.numel {
		return fmt.Errorf("tensor of size %v, stride %v at offset %d reaches element %d of a storage of %d", t.shape, t.stride, t.offset, last, t.st.numel)
	}
	return nil
}

func (t *tensorRef) numel() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

func (t *tensorRef) contiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.stride[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// Open reads the index of a torch.save file: the names, dtypes and shapes
// of the tensors in the dict it holds (file order). Entries that are not
// tensors (an epoch number, nested dicts) are skipped. Close it when done.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("torchsave: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("torchsave: %w", err)
	}
	f, err := Read(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// Read is Open for the size bytes of r (a file in memory, a section of
// another file), named name in errors. Close does not close r.
func Read(r io.ReaderAt, size int64, name string) (*File, error) {
	f, err := read(r, size, name)
	if err != nil {
		return nil, fmt.Errorf("torchsave: %s: %w", name, err)
	}
	return f, nil
}

func read(fh io.ReaderAt, size int64, name string) (*File, error) {
	var err error
	f := &File{name: name, fh: fh, size: size, tensors: map[string]*tensorRef{}}
	head := make([]byte, 4)
	if k, _ := fh.ReadAt(head, 0); k != len(head) {
		return nil, fmt.Errorf("too short for a torch.save file (%d bytes)", f.size)
	}
	var root any
	switch {
	case string(head) == "PK\x03\x04":
		root, err = f.openZip()
	case head[0] == 0x80:
		root, err = f.openLegacy()
	case lfs.IsPointer(fh):
		return nil, errors.New(lfs.Hint)
	default:
		return nil, fmt.Errorf("not a torch.save file (it starts % x, neither a zip nor a pickle)", head)
	}
	if err != nil {
		return nil, err
	}
	d, ok := root.(*dict)
	if !ok {
		return nil, fmt.Errorf("it holds %s, not a dict of tensors (a state dict)", describe(root))
	}
	for i, k := range d.keys {
		t, ok := d.vals[i].(*tensorRef)
		if !ok {
			continue
		}
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("a tensor's key is %s, not a name", describe(k))
		}
		if _, dup := f.tensors[name]; dup {
			return nil, fmt.Errorf("tensor %q appears twice", name)
		}
		f.names = append(f.names, name)
		f.tensors[name] = t
	}
	return f, nil
}

// maxPickle bounds the pickle that indexes a zip-format file: a GPT-2 XL
// state dict's is ~60 KB.
const maxPickle = 64 << 20

// openZip reads the zip format (PyTorch 1.6 and later): <archive>/data.pkl
// indexes the storages, each in its own record <archive>/data/<key>.
func (f *File) openZip() (any, error) {
	zr, err := zip.NewReader(f.fh, f.size)
	if err != nil {
		return nil, fmt.Errorf("reading it as a zip: %w", err)
	}
	var pkl *zip.File
	records := map[string]*zip.File{}
	for _, r := range zr.File {
		records[r.Name] = r
		if dir, base := path.Split(r.Name); base == "data.pkl" && strings.Count(dir, "/") == 1 {
			if pkl != nil {
				return nil, fmt.Errorf("two data.pkl records (%s and %s)", pkl.Name, r.Name)
			}
			pkl, f.prefix = r, dir
		}
	}
	if pkl == nil {
		return nil, errors.New("the zip has no <archive>/data.pkl record: not written by torch.save")
	}
	if _, ok := records[f.prefix+"constants.pkl"]; ok {
		return nil, errors.New("a TorchScript archive (torch.jit.save), not a state dict: save model.state_dict() with torch.save")
	}
	if r, ok := records[f.prefix+"byteorder"]; ok {
		b, err := readRecord(r, 16)
		if err != nil {
			return nil, err
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("byteorder %q: only little-endian files are read", b)
		}
	}
	data, err := readRecord(pkl, maxPickle)
	if err != nil {
		return nil, err
	}
	storages := map[string]*storage{}
	u := newUnpickler(bytes.NewReader(data), int64(len(data)), func(pid any) (any, error) {
		// ('storage', storage class, key, location, numel)
		_, dtype, key, numel, err := storageID(pid, 5)
		if err != nil {
			return nil, err
		}
		if s, ok := storages[key]; ok {
			if s.dtype != dtype || s.numel != numel {
				return nil, fmt.Errorf("storage %q is %d %s here but %d %s before", key, numel, dtype, s.numel, s.dtype)
			}
			return s, nil
		}
		rec, ok := records[f.prefix+"data/"+key]
		if !ok {
			return nil, fmt.Errorf("storage %q has no record %sdata/%s", key, f.prefix, key)
		}
		if need := uint64(numel) * uint64(safetensors.DtypeSize(dtype)); numel > math.MaxInt64/8 || rec.UncompressedSize64 < need {
			return nil, fmt.Errorf("storage %q: %d %s elements need %d bytes, its record has %d", key, numel, dtype, need, rec.UncompressedSize64)
		}
		// torch.save stores records uncompressed; reading them in place
		// bounds every storage by the file's size.
		if rec.Method != zip.Store {
			return nil, fmt.Errorf("storage record %s is compressed (zip method %d); torch.save writes them stored", rec.Name, rec.Method)
		}
		start, err := rec.DataOffset()
		if err != nil || start < 0 || rec.UncompressedSize64 > uint64(f.size-start) {
			return nil, fmt.Errorf("storage record %s: %d bytes at byte %d run past the end of the file (%d bytes)", rec.Name, rec.UncompressedSize64, start, f.size)
		}
		s := &storage{dtype: dtype, key: key, numel: numel, at: start}
		storages[key] = s
		return s, nil
	})
	v, err := u.load()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	return v, nil
}

// storageID checks a storage's persistent id, a tuple of n: ('storage',
// storage class, key, location, numel[, legacy view metadata]).
func storageID(pid any, n int) (t tuple, dtype, key string, numel int64, err error) {
	t, ok := pid.(tuple)
	if !ok || len(t) != n || t[0] != "storage" {
		return nil, "", "", 0, fmt.Errorf("persistent id %s is not a storage's ('storage', class, key, location, numel ...) of %d", describe(pid), n)
	}
	typ, ok1 := t[1].(storageType)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, "", "", 0, fmt.Errorf("storage id (%s, %s, %s) is not (class, key, numel)", describe(t[1]), describe(t[2]), describe(t[4]))
	}
	return t, typ.dtype, key, numel, nil
}

// readRecord reads a whole zip record of at most limit bytes.
func readRecord(r *zip.File, limit uint64) ([]byte, error) {
	if r.UncompressedSize64 > limit {
		return nil, fmt.Errorf("record %s has %d bytes, more than the %d expected", r.Name, r.UncompressedSize64, limit)
	}
	rc, err := r.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.Name, err)
	}
	if uint64(len(b)) != r.UncompressedSize64 {
		return nil, fmt.Errorf("record %s: read %d bytes, its header says %d", r.Name, len(b), r.UncompressedSize64)
	}
	return b, nil
}

// legacyMagic is the number the legacy format starts with.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// countingReader counts the bytes the unpicklers take from a buffered
// reader, so that the position where the pickles end is known.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// openLegacy reads the format of PyTorch before 1.6: five pickles in a row
// (a magic number, the protocol version 1001, system info, the object, the
// sorted list of storage keys), then each storage as a little-endian int64
// element count followed by its bytes, in the order of that list.
func (f *File) openLegacy() (any, error) {
	cr := &countingReader{r: bufio.NewReader(io.NewSectionReader(f.fh, 0, f.size))}
	next := func(what string, persistent func(any) (any, error)) (any, error) {
		u := newUnpickler(cr, f.size, persistent)
		u.pos = cr.n
		v, err := u.load()
		if err != nil {
			return nil, fmt.Errorf("the %s pickle: %w", what, err)
		}
		return v, nil
	}
	magic, err := next("magic-number", nil)
	if err != nil {
		return nil, err
	}
	if m, ok := magic.(*big.Int); !ok || m.Cmp(legacyMagic) != 0 {
		return nil, fmt.Errorf("it starts with the pickle of %s, not PyTorch's magic number", describe(magic))
	}
	if v, err := next("protocol-version", nil); err != nil {
		return nil, err
	} else if v != int64(1001) {
		return nil, fmt.Errorf("legacy protocol version %s, want 1001", describe(v))
	}
	info, err := next("system-info", nil)
	if err != nil {
		return nil, err
	}
	if d, ok := info.(*dict); ok {
		for i, k := range d.keys {
			if k == "little_endian" && d.vals[i] != true {
				return nil, errors.New("written on a big-endian machine: only little-endian files are read")
			}
		}
	}
	roots := map[string]*storage{} // by root key, as the data section lists them
	views := map[string]*storage{}
	obj, err := next("object", func(pid any) (any, error) {
		// ('storage', class, root key, location, numel, view metadata)
		t, dtype, key, numel, err := storageID(pid, 6)
		if err != nil {
			return nil, err
		}
		root, ok := roots[key]
		if !ok {
			root = &storage{dtype: dtype, key: key, numel: numel}
			roots[key] = root
		} else if root.dtype != dtype || root.numel != numel {
			return nil, fmt.Errorf("storage %q is %d %s here but %d %s before", key, numel, dtype, root.numel, root.dtype)
		}
		if t[5] == nil {
			return root, nil
		}
		// A view: (view key, offset, size) within the root.
		vm, ok := t[5].(tuple)
		if !ok || len(vm) != 3 {
			return nil, fmt.Errorf("storage %q: view metadata %s is not (key, offset, size)", key, describe(t[5]))
		}
		vkey, ok1 := vm[0].(string)
		off, ok2 := vm[1].(int64)
		size, ok3 := vm[2].(int64)
		if !ok1 || !ok2 || !ok3 || off < 0 || size < 0 || off > numel-size {
			return nil, fmt.Errorf("storage %q: view (%s, %s, %s) does not fit its %d elements", key, describe(vm[0]), describe(vm[1]), describe(vm[2]), numel)
		}
		if v, ok := views[vkey]; ok {
			return v, nil
		}
		v := &storage{dtype: dtype, key: key, numel: size, base: off}
		views[vkey] = v
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	keysV, err := next("storage-keys", nil)
	if err != nil {
		return nil, err
	}
	keys, ok := keysV.(*list)
	if !ok {
		return nil, fmt.Errorf("the storage-keys pickle holds %s, not a list", describe(keysV))
	}
	// The data section: each storage's count, then its bytes.
	at := cr.n
	locs := map[string]int64{}
	for _, k := range keys.items {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("a storage key is %s, not a string", describe(k))
		}
		root, ok := roots[key]
		if !ok {
			return nil, fmt.Errorf("storage %q is listed but no tensor uses it", key)
		}
		var cnt [8]byte
		if k, err := f.fh.ReadAt(cnt[:], at); k != len(cnt) {
			if err == io.EOF {
				return nil, fmt.Errorf("storage %q: its element count at byte %d runs past the end of the file (%d bytes)", key, at, f.size)
			}
			return nil, fmt.Errorf("storage %q: its element count at byte %d: %v", key, at, err)
		}
		n := int64(binary.LittleEndian.Uint64(cnt[:]))
		if n != root.numel {
			return nil, fmt.Errorf("storage %q at byte %d holds %d elements, the pickle says %d", key, at, n, root.numel)
		}
		nb := n * int64(safetensors.DtypeSize(root.dtype)) // numel ≤ MaxInt64/8 (checked below)
		if n > math.MaxInt64/8 || at+8 > f.size-nb {
			return nil, fmt.Errorf("storage %q: %d %s elements at byte %d run past the end of the file (%d bytes)", key, n, root.dtype, at+8, f.size)
		}
		locs[key] = at + 8
		at += 8 + nb
	}
	for key, s := range roots {
		loc, ok := locs[key]
		if !ok {
			return nil, fmt.Errorf("storage %q is used but missing from the data section", key)
		}
		s.at = loc
	}
	for _, v := range views {
		v.at = roots[v.key].at
	}
	return obj, nil
}

// Names returns the tensors' names in the order the file holds them.
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Info returns a tensor's dtype (safetensors' names: F32, F16, BF16, F64,
// I64, I32, I16, I8, U8, BOOL) and shape.
func (f *File) Info(name string) (dtype string, shape []int, ok bool) {
	t, ok := f.tensors[name]
	if !ok {
		return "", nil, false
	}
	return t.st.dtype, append([]int(nil), t.shape...), true
}

// Float32 returns a tensor's values converted to float32, row-major, and
// its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("torchsave: %s: no tensor %q", f.name, name)
	}
	out := make([]float32, t.numel())
	if err := f.Float32Into(name, out); err != nil {
		return nil, nil, err
	}
	return out, append([]int(nil), t.shape...), nil
}

// Float32Into converts a tensor's values to float32 into dst (row-major),
// which must hold exactly its number of elements. Contiguous F32 data is
// read straight into dst; views with other strides are gathered.
func (f *File) Float32Into(name string, dst []float32) error {
	t, ok := f.tensors[name]
	if !ok {
		return fmt.Errorf("torchsave: %s: no tensor %q", f.name, name)
	}
	if n := t.numel(); len(dst) != n {
		return fmt.Errorf("torchsave: %s: tensor %q has %d elements, not %d", f.name, name, n, len(dst))
	}
	if len(dst) == 0 {
		return nil
	}
	if err := f.read(t, dst); err != nil {
		return fmt.Errorf("torchsave: %s: tensor %q: %w", f.name, name, err)
	}
	return nil
}

func (f *File) read(t *tensorRef, dst []float32) error {
	esz := int64(safetensors.DtypeSize(t.st.dtype))
	if t.contiguous() {
		if t.st.dtype == "F32" && littleEndian {
			return f.readElems(t.st, t.offset, unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)))
		}
		b := make([]byte, int64(len(dst))*esz)
		if err := f.readElems(t.st, t.offset, b); err != nil {
			return err
		}
		return safetensors.DecodeFloat32(t.st.dtype, b, dst)
	}
	// A strided view: read the span it covers, then gather.
	span := int64(1)
	for i, n := range t.shape {
		span += int64(n-1) * int64(t.stride[i])
	}
	b := make([]byte, span*esz)
	if err := f.readElems(t.st, t.offset, b); err != nil {
		return err
	}
	all := make([]float32, span)
	if err := safetensors.DecodeFloat32(t.st.dtype, b, all); err != nil {
		return err
	}
	idx := make([]int, len(t.shape))
	for i := range dst {
		var at int64
		for d, k := range idx {
			at += int64(k) * int64(t.stride[d])
		}
		dst[i] = all[at]
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < t.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}

// readElems fills b with the storage's bytes from element first on.
func (f *File) readElems(s *storage, first int64, b []byte) error {
	off := s.at + (s.base+first)*int64(safetensors.DtypeSize(s.dtype))
	if k, err := f.fh.ReadAt(b, off); k != len(b) {
		return fmt.Errorf("reading storage %q at byte %d: %v", s.key, off, err)
	}
	return nil
}

// Close closes the file that Open opened.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}
