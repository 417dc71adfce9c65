// Command upstream-flags prints the command-line flags amazon-eks-pod-identity-webhook
// registers, one per line, for test/compat/upstream-flags.txt.
//
// It does not build the upstream webhook. It reads upstream's main.go as source (go/ast),
// registers each flag.<Type>(name, default, usage) call it finds on a real pflag FlagSet
// (so types and default texts are pflag's own), then adds klog's flags exactly as upstream
// does: klog.InitFlags on a Go FlagSet, each wrapped with pflag.PFlagFromGoFlag.
//
// Usage: upstream-flags UPSTREAM_MAIN_GO UPSTREAM_PKG_DIR
package main

import (
	goflag "flag"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/klog/v2"
)

const pflagPath = "github.com/spf13/pflag"
const upstreamPkgPath = "github.com/aws/amazon-eks-pod-identity-webhook/pkg"

func main() {
	if len(os.Args) != 3 {
		fail("usage: upstream-flags UPSTREAM_MAIN_GO UPSTREAM_PKG_DIR")
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, os.Args[1], nil, 0)
	if err != nil {
		fail(err.Error())
	}
	consts := packageConstants(fset, os.Args[2])
	aliases := importAliases(file)
	flags := pflag.NewFlagSet("upstream", pflag.ContinueOnError)
	registered := 0
	ast.Inspect(file, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if !ok {
			return true
		}
		selector, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		receiver, ok := selector.X.(*ast.Ident)
		if !ok || aliases[receiver.Name] != pflagPath || len(call.Args) != 3 {
			return true
		}
		name := evaluate(call.Args[0], aliases, consts)
		value := evaluate(call.Args[1], aliases, consts)
		if name.Kind() != constant.String {
			fail(fmt.Sprintf("%s: flag name is not a constant string", fset.Position(call.Pos())))
		}
		register(flags, selector.Sel.Name, constant.StringVal(name), value, fset.Position(call.Pos()))
		registered++
		return true
	})
	if registered == 0 {
		fail("no pflag registrations found in " + os.Args[1])
	}
	klogFlags := goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(klogFlags)
	klogFlags.VisitAll(func(f *goflag.Flag) { flags.AddFlag(pflag.PFlagFromGoFlag(f)) })
	print(flags)
}

func print(flags *pflag.FlagSet) {
	var lines []string
	flags.VisitAll(func(f *pflag.Flag) {
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", f.Name, orDash(f.Shorthand),
			f.Value.Type(), orDash(f.NoOptDefVal), strconv.Quote(f.DefValue)))
	})
	sort.Strings(lines)
	for _, line := range lines {
		fmt.Println(line)
	}
}

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}

func register(flags *pflag.FlagSet, function, name string, value constant.Value, at token.Position) {
	switch function {
	case "Int":
		flags.Int(name, int(int64Of(value, at)), "")
	case "Int64":
		flags.Int64(name, int64Of(value, at), "")
	case "String":
		if value.Kind() != constant.String {
			fail(fmt.Sprintf("%s: default of %s is not a string", at, name))
		}
		flags.String(name, constant.StringVal(value), "")
	case "Bool":
		if value.Kind() != constant.Bool {
			fail(fmt.Sprintf("%s: default of %s is not a bool", at, name))
		}
		flags.Bool(name, constant.BoolVal(value), "")
	case "Duration":
		flags.Duration(name, time.Duration(int64Of(value, at)), "")
	default:
		fail(fmt.Sprintf("%s: flag.%s is not handled; extend register()", at, function))
	}
}

func int64Of(value constant.Value, at token.Position) int64 {
	number, exact := constant.Int64Val(constant.ToInt(value))
	if !exact {
		fail(fmt.Sprintf("%s: default is not an integer", at))
	}
	return number
}

// importAliases maps each file-level import name to its path.
func importAliases(file *ast.File) map[string]string {
	aliases := map[string]string{}
	for _, spec := range file.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		name := filepath.Base(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		aliases[name] = path
	}
	return aliases
}

// packageConstants reads the constant declarations of upstream's pkg package.
func packageConstants(fset *token.FileSet, dir string) map[string]ast.Expr {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		fail(err.Error())
	}
	consts := map[string]ast.Expr{}
	for _, path := range files {
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			fail(err.Error())
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				value := spec.(*ast.ValueSpec)
				for i, name := range value.Names {
					if i < len(value.Values) {
						consts[name.Name] = value.Values[i]
					}
				}
			}
		}
	}
	return consts
}

var timeUnits = map[string]time.Duration{"Nanosecond": time.Nanosecond,
	"Microsecond": time.Microsecond, "Millisecond": time.Millisecond, "Second": time.Second,
	"Minute": time.Minute, "Hour": time.Hour}

var numericTypes = map[string]bool{"int": true, "int32": true, "int64": true, "uint": true,
	"uint32": true, "uint64": true, "float64": true}

// evaluate folds a constant expression: literals, true/false, pkg.Name, time.Unit, and
// arithmetic on them. Anything else stops the program, so a new kind of default is noticed.
func evaluate(expr ast.Expr, aliases map[string]string, consts map[string]ast.Expr) constant.Value {
	switch e := expr.(type) {
	case *ast.BasicLit:
		return constant.MakeFromLiteral(e.Value, e.Kind, 0)
	case *ast.ParenExpr:
		return evaluate(e.X, aliases, consts)
	case *ast.Ident:
		if e.Name == "true" || e.Name == "false" {
			return constant.MakeBool(e.Name == "true")
		}
		if value, ok := consts[e.Name]; ok { // a constant of pkg naming another
			return evaluate(value, aliases, consts)
		}
	case *ast.CallExpr: // a conversion such as int64(86400)
		if fun, ok := e.Fun.(*ast.Ident); ok && len(e.Args) == 1 && numericTypes[fun.Name] {
			return evaluate(e.Args[0], aliases, consts)
		}
	case *ast.UnaryExpr:
		return constant.UnaryOp(e.Op, evaluate(e.X, aliases, consts), 0)
	case *ast.BinaryExpr:
		return constant.BinaryOp(evaluate(e.X, aliases, consts), e.Op, evaluate(e.Y, aliases, consts))
	case *ast.SelectorExpr:
		if receiver, ok := e.X.(*ast.Ident); ok {
			switch aliases[receiver.Name] {
			case "time":
				if unit, ok := timeUnits[e.Sel.Name]; ok {
					return constant.MakeInt64(int64(unit))
				}
			case upstreamPkgPath:
				if value, ok := consts[e.Sel.Name]; ok {
					return evaluate(value, aliases, consts)
				}
			}
		}
	}
	fail(fmt.Sprintf("cannot evaluate default expression %T", expr))
	return nil
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "upstream-flags:", message)
	os.Exit(1)
}
