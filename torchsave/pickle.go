package torchsave

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// The unpickler reads the subset of Python's pickle format (protocols 0–5)
// that torch.save writes for a state dict. It builds only plain values:
// nil, bool, int64, *big.Int, float64, string, []byte, tuple, *list,
// *dict, and what the globals below construct. A GLOBAL naming anything
// else is an error, so no file can make it run or construct something
// unexpected.

type (
	tuple []any
	list  struct{ items []any }
	// dict keeps its keys in insertion order, as OrderedDict does.
	dict struct {
		keys []any
		vals []any
	}
	// global is an allowed Python callable or class, named module.name.
	global struct{ module, name string }
	// storageType is a torch.<T>Storage class: the dtype of its elements.
	storageType struct{ dtype string }
	mark        struct{}
)

func (d *dict) set(k, v any) {
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// storageDtypes maps PyTorch's typed storage classes to safetensors' dtype
// names.
var storageDtypes = map[string]string{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// resolve returns the value a GLOBAL names, for the few a state dict uses.
func resolve(module, name string) (any, error) {
	switch module + "." + name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
		"torch._utils._rebuild_parameter", "builtins.dict", "__builtin__.dict":
		return global{module, name}, nil
	}
	if module == "torch" {
		if dt, ok := storageDtypes[name]; ok {
			return storageType{dt}, nil
		}
	}
	return nil, fmt.Errorf("the pickle names the Python global %s.%s, which a state dict of tensors does not use (is this a whole pickled model or optimizer rather than model.state_dict()?)", module, name)
}

// call applies an allowed global to its arguments (REDUCE, NEWOBJ).
func (u *unpickler) call(f any, args tuple) (any, error) {
	g, ok := f.(global)
	if !ok {
		return nil, fmt.Errorf("cannot call %s", describe(f))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict", "builtins.dict", "__builtin__.dict":
		if len(args) != 0 {
			return nil, fmt.Errorf("%s.%s called with %d arguments, want none", g.module, g.name, len(args))
		}
		return &dict{}, nil
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		return rebuildTensor(args)
	case "torch._utils._rebuild_parameter":
		// (data, requires_grad, backward_hooks): the tensor itself.
		if len(args) < 1 {
			return nil, errors.New("_rebuild_parameter called without its tensor")
		}
		if _, ok := args[0].(*tensorRef); !ok {
			return nil, fmt.Errorf("_rebuild_parameter of %s, want a tensor", describe(args[0]))
		}
		return args[0], nil
	}
	return nil, fmt.Errorf("cannot call %s.%s", g.module, g.name)
}

// rebuildTensor builds a Tensor from _rebuild_tensor_v2's arguments
// (storage, storage_offset, size, stride, requires_grad, backward_hooks[,
// metadata]).
func rebuildTensor(args tuple) (*tensorRef, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 called with %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2 of %s, want a storage", describe(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("tensor storage offset %s is not a non-negative integer", describe(args[1]))
	}
	shape, err := ints(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := ints(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(stride) {
		return nil, fmt.Errorf("tensor has size %v but stride %v", shape, stride)
	}
	t := &tensorRef{st: st, offset: off, shape: shape, stride: stride}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// ints reads a tuple of non-negative integers (a size or a stride).
func ints(v any, what string) ([]int, error) {
	tu, ok := v.(tuple)
	if !ok {
		return nil, fmt.Errorf("tensor %s is %s, want a tuple", what, describe(v))
	}
	out := make([]int, len(tu))
	for i, x := range tu {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32*int64(1<<16) {
			return nil, fmt.Errorf("tensor %s %v: element %d is %s", what, tu, i, describe(x))
		}
		out[i] = int(n)
	}
	return out, nil
}

// describe names a value's kind for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case tuple:
		return fmt.Sprintf("a tuple of %d", len(v))
	case *list:
		return "a list"
	case *dict:
		return "a dict"
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	case global:
		return v.module + "." + v.name
	case storageType:
		return "a storage class"
	case *storage:
		return "a storage"
	case *tensorRef:
		return "a tensor"
	case mark:
		return "a mark"
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}

// byteSource is what the unpickler reads from: a whole pickle in memory,
// or a stream whose remaining length is known (the legacy format's pickles
// sit one after another in the checkpoint file).
type byteSource interface {
	io.ByteReader
	io.Reader
}

type unpickler struct {
	r     byteSource
	pos   int64 // bytes consumed, for error positions and the legacy layout
	limit int64 // bytes available from the start: no length field may exceed it
	stack []any
	marks []int
	memo  map[int64]any
	// persistent resolves a BINPERSID/PERSID id (torch's storages).
	persistent func(pid any) (any, error)
}

func newUnpickler(r byteSource, limit int64, persistent func(any) (any, error)) *unpickler {
	return &unpickler{r: r, limit: limit, memo: map[int64]any{}, persistent: persistent}
}

func (u *unpickler) byte1() (byte, error) {
	b, err := u.r.ReadByte()
	if err != nil {
		return 0, u.eof(err)
	}
	u.pos++
	return b, nil
}

func (u *unpickler) eof(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("byte %d: %w", u.pos, err)
}

// bytesN reads n bytes, refusing lengths beyond what the source holds.
func (u *unpickler) bytesN(n int64) ([]byte, error) {
	if n < 0 || n > u.limit-u.pos {
		return nil, fmt.Errorf("byte %d: a length of %d runs past the end of the pickle", u.pos, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(u.r, b); err != nil {
		return nil, u.eof(err)
	}
	u.pos += n
	return b, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.bytesN(int64(n))
	if err != nil {
		return 0, err
	}
	var x uint64
	for i := n - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, nil
}

// line reads up to a newline (protocol 0's text arguments).
func (u *unpickler) line() (string, error) {
	var sb strings.Builder
	for {
		b, err := u.byte1()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			return sb.String(), nil
		}
		if sb.Len() > 1<<16 {
			return "", fmt.Errorf("byte %d: text argument longer than 64 KiB", u.pos)
		}
		sb.WriteByte(b)
	}
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || u.top() == (mark{}) {
		return nil, fmt.Errorf("byte %d: stack underflow", u.pos)
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() any {
	if len(u.stack) == 0 {
		return nil
	}
	return u.stack[len(u.stack)-1]
}

// popMark pops everything above the topmost MARK, and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("byte %d: no MARK to pop to", u.pos)
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m+1:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// load runs the pickle machine to its STOP and returns the value.
func (u *unpickler) load() (any, error) {
	for {
		at := u.pos
		op, err := u.byte1()
		if err != nil {
			return nil, err
		}
		if err := u.step(op); err != nil {
			if errors.Is(err, errStop) {
				v, err := u.pop()
				if err != nil {
					return nil, err
				}
				return v, nil
			}
			if !strings.HasPrefix(err.Error(), "byte ") {
				err = fmt.Errorf("byte %d (opcode %q): %w", at, op, err)
			}
			return nil, err
		}
	}
}

var errStop = errors.New("STOP")

func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		p, err := u.byte1()
		if err != nil {
			return err
		}
		if p > 5 {
			return fmt.Errorf("pickle protocol %d (this reader knows 0 to 5)", p)
		}
	case 0x95: // FRAME: a length hint
		_, err := u.uint(8)
		return err
	case '.':
		return errStop
	case '(':
		u.marks = append(u.marks, len(u.stack))
		u.push(mark{})
	case ')':
		u.push(tuple{})
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(op - 0x84)
		if len(u.stack) < n {
			return errors.New("stack underflow")
		}
		t := append(tuple(nil), u.stack[len(u.stack)-n:]...)
		for _, v := range t {
			if v == (mark{}) {
				return errors.New("stack underflow")
			}
		}
		u.stack = u.stack[:len(u.stack)-n]
		u.push(t)
	case 't':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(tuple(items))
	case ']':
		u.push(&list{})
	case 'l':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(&list{items: items})
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		if op == 'a' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		l, ok := u.top().(*list)
		if !ok {
			return fmt.Errorf("append to %s", describe(u.top()))
		}
		l.items = append(l.items, items...)
	case '}':
		u.push(&dict{})
	case 'd', 's', 'u': // DICT, SETITEM, SETITEMS
		var items []any
		if op == 's' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			k, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{k, v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		if len(items)%2 != 0 {
			return fmt.Errorf("%d items for a dict's keys and values", len(items))
		}
		d := &dict{}
		if op == 'd' {
			u.push(d)
		} else if d, _ = u.top().(*dict); d == nil {
			return fmt.Errorf("set an item of %s", describe(u.top()))
		}
		for i := 0; i < len(items); i += 2 {
			d.set(items[i], items[i+1])
		}
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'J':
		x, err := u.uint(4)
		if err != nil {
			return err
		}
		u.push(int64(int32(uint32(x))))
	case 'K':
		x, err := u.uint(1)
		if err != nil {
			return err
		}
		u.push(int64(x))
	case 'M':
		x, err := u.uint(2)
		if err != nil {
			return err
		}
		u.push(int64(x))
	case 0x8a, 0x8b: // LONG1, LONG4: little-endian two's complement
		var n uint64
		var err error
		if op == 0x8a {
			n, err = u.uint(1)
		} else {
			n, err = u.uint(4)
		}
		if err != nil {
			return err
		}
		b, err := u.bytesN(int64(n))
		if err != nil {
			return err
		}
		u.push(decodeLong(b))
	case 'I', 'L': // INT, LONG as text
		s, err := u.line()
		if err != nil {
			return err
		}
		switch s = strings.TrimSuffix(s, "L"); s {
		case "01":
			u.push(true)
		case "00":
			u.push(false)
		default:
			x, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("integer %q: %v", s, err)
			}
			u.push(x)
		}
	case 'G':
		x, err := u.bytesN(8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(x)))
	case 'F':
		s, err := u.line()
		if err != nil {
			return err
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("float %q: %v", s, err)
		}
		u.push(x)
	case 'X', 0x8c, 0x8d, 'T', 'U', 'B', 'C', 0x8e: // strings and bytes with a length
		size := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'T': 4, 'U': 1, 'B': 4, 'C': 1, 0x8e: 8}[op]
		n, err := u.uint(size)
		if err != nil {
			return err
		}
		if n > math.MaxInt64 {
			return fmt.Errorf("length %d", n)
		}
		b, err := u.bytesN(int64(n))
		if err != nil {
			return err
		}
		if op == 'B' || op == 'C' || op == 0x8e {
			u.push(b)
		} else {
			u.push(string(b))
		}
	case 'V': // UNICODE, protocol 0 (raw-unicode-escape; names are ASCII)
		s, err := u.line()
		if err != nil {
			return err
		}
		u.push(s)
	case 'c': // GLOBAL
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		g, err := resolve(module, name)
		if err != nil {
			return err
		}
		u.push(g)
	case 0x93: // STACK_GLOBAL
		name, err := u.pop()
		if err != nil {
			return err
		}
		module, err := u.pop()
		if err != nil {
			return err
		}
		ms, ok1 := module.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return errors.New("STACK_GLOBAL without a module and a name")
		}
		g, err := resolve(ms, ns)
		if err != nil {
			return err
		}
		u.push(g)
	case 'q', 'r', 'p', 0x94: // BINPUT, LONG_BINPUT, PUT, MEMOIZE
		if len(u.stack) == 0 || u.top() == (mark{}) {
			return errors.New("memoize an empty stack")
		}
		k := int64(len(u.memo))
		if op != 0x94 {
			var err error
			if k, err = u.memoKey(op == 'p', op == 'q'); err != nil {
				return err
			}
		}
		u.memo[k] = u.top()
	case 'h', 'j', 'g': // BINGET, LONG_BINGET, GET
		k, err := u.memoKey(op == 'g', op == 'h')
		if err != nil {
			return err
		}
		v, ok := u.memo[k]
		if !ok {
			return fmt.Errorf("memo key %d was never stored", k)
		}
		u.push(v)
	case 'Q', 'P': // BINPERSID, PERSID
		var pid any
		if op == 'Q' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			pid = v
		} else {
			s, err := u.line()
			if err != nil {
				return err
			}
			pid = s
		}
		if u.persistent == nil {
			return errors.New("a persistent id where none is expected")
		}
		v, err := u.persistent(pid)
		if err != nil {
			return err
		}
		u.push(v)
	case 'R', 0x81: // REDUCE, NEWOBJ
		a, err := u.pop()
		if err != nil {
			return err
		}
		f, err := u.pop()
		if err != nil {
			return err
		}
		args, ok := a.(tuple)
		if !ok {
			return fmt.Errorf("arguments are %s, want a tuple", describe(a))
		}
		v, err := u.call(f, args)
		if err != nil {
			return err
		}
		u.push(v)
	case 'b': // BUILD: set an object's state
		// An OrderedDict's state is its _metadata (module versions), a
		// tensor's its Python attributes: neither matters for the values.
		if _, err := u.pop(); err != nil {
			return err
		}
		switch u.top().(type) {
		case *dict, *tensorRef:
		default:
			return fmt.Errorf("BUILD on %s", describe(u.top()))
		}
	case '0': // POP
		if len(u.stack) > 0 && u.top() == (mark{}) {
			_, err := u.popMark()
			return err
		}
		_, err := u.pop()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		if len(u.stack) == 0 || u.top() == (mark{}) {
			return errors.New("stack underflow")
		}
		u.push(u.top())
	default:
		return fmt.Errorf("unsupported pickle opcode 0x%02x", op)
	}
	return nil
}

// memoKey reads a memo key: a text line, or 1 or 4 bytes.
func (u *unpickler) memoKey(text, short bool) (int64, error) {
	if text {
		s, err := u.line()
		if err != nil {
			return 0, err
		}
		k, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("memo key %q: %v", s, err)
		}
		return k, nil
	}
	n := 4
	if short {
		n = 1
	}
	k, err := u.uint(n)
	return int64(k), err
}

// decodeLong reads a little-endian two's-complement integer: an int64 when
// it fits, else a *big.Int (the legacy format's magic number).
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var x uint64
		for i := len(b) - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(x<<shift) >> shift
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}
