// Keeps the library non-empty until real support code lands.
namespace irsa::test { int support_placeholder() { return 0; } }
