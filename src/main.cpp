// Placeholder until the flag parsing and wiring land (issue 2).
int main() { return 1; }
