fn main() {
    println!("codegen: nothing to generate yet");
}
