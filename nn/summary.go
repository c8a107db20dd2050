package nn

import (
	"fmt"
	"io"
	"strings"
)

// Summary prints the model's table as Keras's model.summary():
//
//	Model: "sequential"
//	_________________________________________________________________
//	 Layer (type)                Output Shape              Param #
//	=================================================================
//	 embedding (Embedding)       (None, 100, 256)          2,560,000
//	...
//	=================================================================
//	Total params: 4,047,120
//	Trainable params: 4,047,120
//	Non-trainable params: 0
//	_________________________________________________________________
//
// A Sequential lists its layers; any other layer is one row. Column
// positions are Keras's for sequential models (line length 65, columns at
// 0.45 and 0.85 of it); long names wrap onto the next line as Keras does.
// Parameter counts carry thousands separators, as the totals do.
func (m *Model) Summary(w io.Writer) {
	const lineLen = 65
	pos := []int{29, 55, 65}
	rows := [][]string{}
	layers := []Layer{m.Layer}
	if s, ok := m.Layer.(*Sequential); ok {
		layers = s.Layers
	}
	for _, l := range layers {
		tr, fr := countParams(l.Params())
		rows = append(rows, []string{fmt.Sprintf("%s (%s)", l.Name(), className(l)), FormatShape(l.OutputShape()), commas(tr + fr)})
	}
	fmt.Fprintf(w, "Model: %q\n", m.Layer.Name())
	fmt.Fprintln(w, strings.Repeat("_", lineLen))
	printRow(w, []string{"Layer (type)", "Output Shape", "Param #"}, pos)
	fmt.Fprintln(w, strings.Repeat("=", lineLen))
	for i, r := range rows {
		printRow(w, r, pos)
		if i < len(rows)-1 {
			fmt.Fprintln(w, strings.Repeat(" ", lineLen))
		}
	}
	fmt.Fprintln(w, strings.Repeat("=", lineLen))
	tr, fr := countParams(m.Params())
	fmt.Fprintf(w, "Total params: %s\n", commas(tr+fr))
	fmt.Fprintf(w, "Trainable params: %s\n", commas(tr))
	fmt.Fprintf(w, "Non-trainable params: %s\n", commas(fr))
	fmt.Fprintln(w, strings.Repeat("_", lineLen))
}

// printRow prints fields in columns ending at pos, each after one space,
// wrapping a field longer than its column onto further lines.
func printRow(w io.Writer, fields []string, pos []int) {
	for len(strings.Join(fields, "")) > 0 {
		var line strings.Builder
		rest := make([]string, len(fields))
		start := 0
		for i, f := range fields {
			width := pos[i] - start - 1
			if i > 0 {
				width = pos[i] - pos[i-1] - 1
			}
			if len(f) > width {
				rest[i] = f[width:]
				f = f[:width]
			}
			line.WriteString(" " + f + strings.Repeat(" ", width-len(f)))
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
		fields = rest
	}
}
