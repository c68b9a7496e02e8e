package view

// The councils a framework's lead chooses members from, by DfE LA code: the
// North West's councils with children's services, the Greater Manchester
// ten first (their names are CouncilName's). A member council outside the
// list is shown by its code, and the lead adds it by code.
var frameworkCouncils = []string{
	"350", "351", "352", "353", "354", "355", "356", "357", "358", "359",
	"340", "341", "342", "343", "344", "876", "877", "888", "889", "890", "895", "896",
}

// FrameworkCouncil names a council by its LA code and name, "355 Salford",
// or "Council 999" for a code the portal has no name for.
func FrameworkCouncil(code string) string {
	if name := CouncilName(code); name != "Council "+code {
		return code + " " + name
	}
	return "Council " + code
}

// FrameworkCouncilOptions are the listed councils as checkbox or select
// options, by LA code.
func FrameworkCouncilOptions() []Option {
	out := make([]Option, len(frameworkCouncils))
	for i, c := range frameworkCouncils {
		out[i] = Option{Value: c, Text: CouncilName(c) + " (" + c + ")"}
	}
	return out
}

// KnownCouncil reports whether the list holds the code.
func KnownCouncil(code string) bool {
	for _, c := range frameworkCouncils {
		if c == code {
			return true
		}
	}
	return false
}
