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
// positions are tf.keras 2.x's for sequential models (line length 65,
// columns ending at 0.45, 0.85 and 1 of it), long names wrap onto the next
// line, and a blank line follows each layer, as TF 2.9+ prints. Parameter
// counts carry thousands separators, as the totals do (and as Keras 3
// prints them).
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
	for _, r := range rows {
		printRow(w, r, pos)
		fmt.Fprintln(w, strings.Repeat(" ", lineLen))
	}
	fmt.Fprintln(w, strings.Repeat("=", lineLen))
	tr, fr := countParams(m.Params())
	fmt.Fprintf(w, "Total params: %s\n", commas(tr+fr))
	fmt.Fprintf(w, "Trainable params: %s\n", commas(tr))
	fmt.Fprintf(w, "Non-trainable params: %s\n", commas(fr))
	fmt.Fprintln(w, strings.Repeat("_", lineLen))
}

// printRow prints fields as TF 2.9+'s print_row: column i ends at pos[i];
// each field but the last keeps two spaces before the next column; the
// first is indented by one space; a field too long for its column
// continues on the next line.
func printRow(w io.Writer, fields []string, pos []int) {
	left := append([]string(nil), fields...)
	for strings.Join(left, "") != "" {
		line := ""
		for i := range left {
			start := 0
			if i > 0 {
				start = pos[i-1]
			}
			space := 2
			if i == len(pos)-1 {
				space = 0
			}
			cut := min(pos[i]-start-space, len(left[i]))
			if i == 0 {
				line += " "
			}
			line += left[i][:cut] + strings.Repeat(" ", space)
			left[i] = left[i][cut:]
			if pad := pos[i] - len(line); pad > 0 {
				line += strings.Repeat(" ", pad)
			}
		}
		fmt.Fprintln(w, line)
	}
}
