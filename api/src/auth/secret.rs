use std::{fs, io, path::Path};

use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;

/// The HS256 secret for local runs: read from `data_dir/jwt-secret`, or generated (48 random
/// bytes) and stored there with owner-only permissions on first use, so tokens survive restarts.
pub fn load_or_create_secret(data_dir: &Path) -> io::Result<String> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = fs::read_to_string(&path) {
        let trimmed = existing.trim();
        if !trimmed.is_empty() {
            return Ok(trimmed.to_owned());
        }
    }
    fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = STANDARD.encode(bytes);
    fs::write(&path, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret)
}
