//! The profile photo: an upload (PNG, JPEG or WebP, at most 2 MB and 4096 pixels a side) is
//! decoded under limits, cropped to a square, resized and re-encoded as JPEG; only that is stored.
//! The work runs off the async runtime, one photo at a time.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::store::StoreError;

/// Largest upload accepted.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 4096;
/// The stored photo's width and height.
pub const SIZE: u32 = 256;
/// What is stored and served.
pub const CONTENT_TYPE: &str = "image/jpeg";
/// At most this much memory for one decoded image (4096 × 4096 RGBA at 16 bits a channel).
const MAX_DECODE_BYTES: u64 = 4096 * 4096 * 8;
const JPEG_QUALITY: u8 = 85;

/// The image types an upload may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadType {
    Png,
    Jpeg,
    Webp,
}

impl UploadType {
    pub const CONTENT_TYPES: [&'static str; 3] = ["image/png", "image/jpeg", "image/webp"];

    /// From a `Content-Type` (parameters ignored); `None` for any other type.
    pub fn from_content_type(value: &str) -> Option<UploadType> {
        let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "image/png" => Some(UploadType::Png),
            "image/jpeg" | "image/jpg" => Some(UploadType::Jpeg),
            "image/webp" => Some(UploadType::Webp),
            _ => None,
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            UploadType::Png => ImageFormat::Png,
            UploadType::Jpeg => ImageFormat::Jpeg,
            UploadType::Webp => ImageFormat::WebP,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("The photo is larger than 2 MB. Choose a smaller image.")]
    TooLarge,
    #[error("Upload a PNG, JPEG or WebP image.")]
    UnsupportedType,
    #[error("The photo is {width} × {height} pixels: at most 4096 pixels a side, please.")]
    TooManyPixels { width: u32, height: u32 },
    #[error("This file is not a readable image of the type it claims (PNG, JPEG or WebP).")]
    Unreadable,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl PhotoError {
    /// The API's error code.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge => "photo_too_large",
            PhotoError::UnsupportedType => "unsupported_photo_type",
            PhotoError::TooManyPixels { .. } => "photo_too_many_pixels",
            PhotoError::Unreadable => "invalid_photo",
            PhotoError::Store(_) | PhotoError::Internal(_) => "internal",
        }
    }
}

/// A photo ready to store: square JPEG bytes and their version (a hash, part of the URL).
#[derive(Debug)]
pub struct Processed {
    pub bytes: Vec<u8>,
    pub version: String,
}

/// Decodes, crops, resizes and re-encodes an upload (blocking: call it off the runtime).
pub fn process(kind: UploadType, upload: &[u8]) -> Result<Processed, PhotoError> {
    if upload.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(upload), kind.format());
    reader.limits(limits);
    // Only the header is read here: the size is known before any pixel is decoded.
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_DECODE_BYTES {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Unreadable);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Unreadable)?;
    picture.apply_orientation(orientation);
    let square = picture.resize_to_fill(SIZE, SIZE, FilterType::Lanczos3);
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .encode_image(&over_white(&square))
        .map_err(|e| anyhow::anyhow!("encoding the photo as JPEG failed: {e}"))?;
    let version = hex::encode(&Sha256::digest(&bytes)[..8]);
    Ok(Processed { bytes, version })
}

/// JPEG has no transparency: transparent parts show white.
fn over_white(picture: &DynamicImage) -> RgbImage {
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// Sets the user's photo from an upload of the given `Content-Type`.
pub async fn set(app: &App, user_id: &str, content_type: Option<&str>, upload: bytes::Bytes) -> Result<(), PhotoError> {
    if upload.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let kind = content_type.and_then(UploadType::from_content_type).ok_or(PhotoError::UnsupportedType)?;
    static SLOT: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let processed = {
        let _slot = SLOT.acquire().await.map_err(anyhow::Error::from)?;
        tokio::task::spawn_blocking(move || process(kind, &upload)).await.map_err(anyhow::Error::from)??
    };
    app.db.put_photo(user_id, &processed.version, CONTENT_TYPE, &processed.bytes, app.now_ms()).await?;
    Ok(())
}

/// Removes the user's photo (nothing to do when there is none).
pub async fn remove(app: &App, user_id: &str) -> Result<(), StoreError> {
    app.db.delete_photo(user_id).await.map(|_| ())
}

/// Where a photo version is served; the version makes each URL's content fixed for good.
pub fn path(user_id: &str, version: &str) -> String {
    format!("/photos/{user_id}/{version}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([30, 90, 200, 128]));
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn uploads_become_square_jpegs() {
        let done = process(UploadType::Png, &png(300, 120)).unwrap();
        let stored = image::load_from_memory_with_format(&done.bytes, ImageFormat::Jpeg).unwrap();
        assert_eq!((stored.width(), stored.height()), (SIZE, SIZE));
        assert_eq!(done.version.len(), 16);
        // Half-transparent blue over white.
        let [r, _, b] = stored.to_rgb8().get_pixel(128, 128).0;
        assert!(r > 120 && b > 200, "{r} {b}");
    }

    #[test]
    fn refusals_name_their_reason() {
        assert!(matches!(process(UploadType::Png, &png(4097, 2)), Err(PhotoError::TooManyPixels { width: 4097, .. })));
        assert!(matches!(process(UploadType::Jpeg, &png(10, 10)), Err(PhotoError::Unreadable)));
        assert!(matches!(process(UploadType::Png, b"not an image"), Err(PhotoError::Unreadable)));
        assert!(matches!(process(UploadType::Png, &vec![0; MAX_BYTES + 1]), Err(PhotoError::TooLarge)));
        assert_eq!(UploadType::from_content_type("image/PNG; charset=x"), Some(UploadType::Png));
        assert_eq!(UploadType::from_content_type("image/gif"), None);
    }
}
