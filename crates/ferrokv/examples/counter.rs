//! A page-view counter with expiring sessions, embedded: `cargo run -p ferrokv --example counter`.

use ferrokv::{Db, Reply, Ttl};
use std::time::Duration;

fn main() -> Result<(), ferrokv::Error> {
    let db = Db::in_memory();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || -> Result<(), ferrokv::Error> {
                for i in 0..250 {
                    db.incr("views", 1)?;
                    db.set(
                        format!("session:{w}:{i}"),
                        "active",
                        Some(Duration::from_secs(30)),
                    )?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked")?;
    }
    let views = db
        .get("views")?
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    let sessions = db.scan(Some("session:*")).count();
    println!(
        "views = {}, sessions = {sessions}",
        views.unwrap_or_default()
    );
    if let Ttl::ExpiresIn(left) = db.ttl("session:0:0")? {
        println!("session:0:0 expires in {} s", left.as_secs());
    }
    if let Reply::Verbatim { text, .. } = db.execute(["INFO", "keyspace"])? {
        print!("{}", String::from_utf8_lossy(&text));
    }
    Ok(())
}
