"""Readers outside the project's scope exist (programs import them) and name the CNTK API when used."""
import pytest


@pytest.mark.parametrize('name', ['CBFDeserializer', 'ImageDeserializer', 'Base64ImageDeserializer',
                                  'HTKFeatureDeserializer', 'HTKMLFDeserializer', 'LatticeDeserializer'])
def test_out_of_scope_readers_name_the_cntk_api(name):
    import cntk.io
    with pytest.raises(NotImplementedError, match='cntk.io.%s' % name):
        getattr(cntk.io, name)('data.bin')


def test_image_transforms_name_the_cntk_api():
    import cntk.io.transforms as xforms
    with pytest.raises(NotImplementedError, match='cntk.io.transforms.crop'):
        xforms.crop(crop_type='center')
